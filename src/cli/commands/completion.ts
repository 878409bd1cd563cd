import path from 'node:path';
import type { Command } from 'commander';
import { loadSpec } from '../../desired/index.js';
import { fsRepo } from '../../source/fs-repo.js';
import { InvalidInputError } from '../../errors.js';
import { KINDS } from '../../desired/schemas.js';
import { EXIT, type Io } from '../io.js';

// Each shell asks `gitpoms __complete WORD…` (the words after gitpoms, the last one being
// typed) and offers what it prints, one candidate a line; nothing printed means file names.
const SCRIPTS: Record<string, string> = {
  bash: `# gitpoms completion for bash: eval "$(gitpoms completion bash)" in ~/.bashrc
_gitpoms() {
  local IFS=$'\\n'
  COMPREPLY=($(gitpoms __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  if [ \${#COMPREPLY[@]} -eq 0 ]; then
    COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}"))
  fi
}
complete -o filenames -F _gitpoms gitpoms
`,
  zsh: `#compdef gitpoms
# gitpoms completion for zsh: gitpoms completion zsh > "\${fpath[1]}/_gitpoms"
_gitpoms() {
  local -a candidates
  candidates=("\${(@f)$(gitpoms __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${candidates[1]}" ]]; then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
compdef _gitpoms gitpoms
`,
  fish: `# gitpoms completion for fish: gitpoms completion fish > ~/.config/fish/completions/gitpoms.fish
function __gitpoms_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (gitpoms __complete -- $words[2..-1] 2>/dev/null)
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c gitpoms -f -a '(__gitpoms_complete)'
`,
};

/** Options that take a value, by their long name, for a command. */
function takesValue(cmd: Command, word: string): boolean {
  const o = cmd.options.find((x) => x.long === word || x.short === word);
  return o !== undefined && (o.required || o.optional);
}

/** What may come at the cursor, from the command tree and the repository's names. */
export function completions(program: Command, words: readonly string[], cwd: string): string[] {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let cmd = program;
  let i = 0;
  for (; i < before.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === before[i]);
    if (!sub) break;
    cmd = sub;
  }
  const rest = before.slice(i);
  const prefixed = (xs: readonly string[]) => [...new Set(xs)].filter((x) => x.startsWith(cur));
  const visible = cmd.commands.filter((c) => !c.name().startsWith('_'));
  if (cmd !== program && cur.startsWith('-'))
    return prefixed([...cmd.options.flatMap((o) => (o.long ? [o.long] : [])), '--help']);
  if (visible.length && !rest.length) return prefixed(visible.map((c) => c.name()));
  const prev = rest.at(-1);
  if (prev && prev.startsWith('-') && !prev.includes('=') && takesValue(cmd, prev)) {
    if (prev === '--campaign') return prefixed(names(rest, cwd).campaigns);
    return [];
  }
  // The positionals typed so far: words that are neither options nor their values.
  const positionals: string[] = [];
  for (let k = 0; k < rest.length; k++) {
    const w = rest[k]!;
    if (w.startsWith('-')) {
      if (!w.includes('=') && takesValue(cmd, w)) k++;
    } else positionals.push(w);
  }
  const arg = cmd.registeredArguments[positionals.length]?.name();
  const n = () => names(rest, cwd);
  if (arg === 'campaign') return prefixed(n().campaigns);
  if (arg === 'stage' && cmd.registeredArguments[0]?.name() === 'campaign')
    return prefixed(n().stages.get(positionals[0] ?? '') ?? []);
  // split-preview and split-reset take CAMPAIGN/STAGE as one word.
  if (arg === 'stage')
    return prefixed([...n().stages].flatMap(([c, ss]) => ss.map((s) => `${c}/${s}`)));
  if (arg === 'kind') return prefixed([...KINDS, 'common']);
  return [];
}

/** The campaigns and their stages of the repository the command line names (--repo), or cwd's. */
function names(words: readonly string[], cwd: string) {
  const at = words.findIndex((w) => w === '--repo' || w.startsWith('--repo='));
  const repo = at < 0 ? '.' : words[at]!.includes('=') ? words[at]!.split('=')[1]! : words[at + 1];
  const spec = loadSpec(fsRepo(path.resolve(cwd, repo ?? '.')));
  const stages = new Map(
    spec.docs.campaigns.map((c) => [
      c.value.metadata.name,
      (c.value.spec.stages ?? []).map((s) => s.name),
    ]),
  );
  return { campaigns: [...stages.keys()], stages };
}

export function registerCompletion(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('completion')
    .description('print the shell completion script: commands, options, campaign and stage names')
    .argument('<shell>', `one of ${Object.keys(SCRIPTS).join(', ')}`)
    .action((shell: string) => {
      const script = SCRIPTS[shell];
      if (!script)
        throw new InvalidInputError(
          `no completion for ${shell}; shells: ${Object.keys(SCRIPTS).join(', ')}`,
        );
      io.stdout(script);
      setCode(EXIT.ok);
    });
  program
    .command('__complete', { hidden: true })
    .description('the candidates at the cursor, for the completion scripts')
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action((words: string[]) => {
      // The shells pass the word being typed last, empty when it is a new one.
      for (const c of completions(program, words.length ? words : [''], io.cwd))
        io.stdout(`${c}\n`);
      setCode(EXIT.ok);
    });
}
