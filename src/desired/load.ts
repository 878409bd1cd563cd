import { byPosition, didYouMean, type Diagnostic } from './diagnostic.js';
import { insideRepo, type RepoFiles } from './repo.js';
import { KINDS, validateKind, type Kind } from './schemas.js';
import { schemaDiagnostics } from './schema-diagnostics.js';
import type { Campaign, Config, JobType, LaunchTemplate, Service } from '../model/index.js';
import { diagnosticAt, parseYamlFile, type SourceDoc } from './yaml-source.js';

export interface Located<T> {
  value: T;
  doc: SourceDoc;
}

export interface LoadedDocs {
  config: Located<Config> | undefined;
  campaigns: Located<Campaign>[];
  jobTypes: Located<JobType>[];
  launchTemplates: Located<LaunchTemplate>[];
  services: Located<Service>[];
  /** YAML files read, repository-relative. */
  files: string[];
}

export const CONFIG_FILE = 'gitpoms.yaml';
export const DEFAULT_PATHS = ['campaigns'];

function isYaml(p: string): boolean {
  return /\.ya?ml$/i.test(p);
}

function fileDiagnostic(file: string, code: string, message: string, hint?: string): Diagnostic {
  return {
    file,
    line: 1,
    column: 1,
    path: '',
    code,
    severity: 'error',
    message,
    ...(hint ? { hint } : {}),
  };
}

/** Checks one parsed document's envelope and schema; returns its kind when it is valid. */
function checkDocument(doc: SourceDoc, diags: Diagnostic[]): Kind | undefined {
  const v = doc.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    diags.push(
      diagnosticAt(
        doc,
        [],
        'not-a-mapping',
        'a document must be a mapping with apiVersion, kind, metadata and spec',
      ),
    );
    return undefined;
  }
  const obj = v as Record<string, unknown>;
  if (obj.apiVersion !== 'gitpoms/v1') {
    diags.push(
      diagnosticAt(
        doc,
        obj.apiVersion === undefined ? [] : ['apiVersion'],
        'api-version',
        obj.apiVersion === undefined
          ? 'the document has no apiVersion; every gitpoms document starts with apiVersion: gitpoms/v1'
          : `${JSON.stringify(obj.apiVersion)} is not supported; use gitpoms/v1`,
      ),
    );
    return undefined;
  }
  const kind = obj.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    const guess = typeof kind === 'string' ? didYouMean(kind, KINDS) : undefined;
    diags.push(
      diagnosticAt(
        doc,
        kind === undefined ? [] : ['kind'],
        'unknown-kind',
        kind === undefined
          ? `the document has no kind; use one of ${KINDS.join(', ')}`
          : `unknown kind ${JSON.stringify(kind)}; use one of ${KINDS.join(', ')}`,
        { hint: guess ? `did you mean "${guess}"?` : undefined },
      ),
    );
    return undefined;
  }
  const errs = schemaDiagnostics(validateKind(kind as Kind, v), doc);
  diags.push(...errs);
  return errs.length === 0 ? (kind as Kind) : undefined;
}

/** Reads gitpoms.yaml and every YAML document under the configured paths. Pure over `repo`. */
export function loadDocuments(
  repo: RepoFiles,
  opts: { paths?: readonly string[]; extraPaths?: readonly string[] } = {},
): { docs: LoadedDocs; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const docs: LoadedDocs = {
    config: undefined,
    campaigns: [],
    jobTypes: [],
    launchTemplates: [],
    services: [],
    files: [],
  };

  const configText = repo.read(CONFIG_FILE);
  const configProblem = repo.problem(CONFIG_FILE);
  if (configProblem)
    diags.push(
      fileDiagnostic(
        CONFIG_FILE,
        'file-refused',
        `${CONFIG_FILE} is ${configProblem}; it is not read`,
      ),
    );
  else if (configText === undefined && repo.exists(CONFIG_FILE))
    // A directory (or a file changing as it is read): never taken for "no gitpoms.yaml".
    diags.push(
      fileDiagnostic(
        CONFIG_FILE,
        'file-refused',
        `${CONFIG_FILE} is not a file that can be read (a directory?); make it the repository's configuration file`,
      ),
    );
  if (configText !== undefined) {
    const parsed = parseYamlFile(CONFIG_FILE, configText);
    diags.push(...parsed.diagnostics);
    if (parsed.docs.length > 1) {
      diags.push(
        fileDiagnostic(CONFIG_FILE, 'config-multiple', `${CONFIG_FILE} must hold one document`),
      );
    }
    const doc = parsed.docs[0];
    if (doc && checkDocument(doc, diags) === 'Config')
      docs.config = { value: doc.value as Config, doc };
    else if (doc && diags.length === 0) {
      diags.push(
        diagnosticAt(doc, ['kind'], 'config-kind', `${CONFIG_FILE} must be of kind Config`),
      );
    }
  }

  const paths = [
    ...(opts.paths ?? docs.config?.value.spec.paths ?? DEFAULT_PATHS),
    ...(opts.extraPaths ?? []),
  ];
  const seen = new Set<string>();
  paths.forEach((raw, i) => {
    const p = insideRepo(raw);
    const fromConfig =
      opts.paths === undefined &&
      docs.config !== undefined &&
      i < (docs.config.value.spec.paths ?? []).length;
    if (p === undefined) {
      const msg = `path "${raw}" is outside the repository; declarations must live inside it`;
      diags.push(
        fromConfig
          ? diagnosticAt(docs.config!.doc, ['spec', 'paths', i], 'path-outside-repo', msg)
          : fileDiagnostic(raw, 'path-outside-repo', msg),
      );
      return;
    }
    const problem = repo.problem(p === '' ? '.' : p);
    if (problem || !repo.exists(p === '' ? '.' : p)) {
      const code = problem ? 'path-refused' : 'path-missing';
      const msg = problem
        ? `path "${raw}" is ${problem}; declarations must live inside it`
        : `path "${raw}" does not exist in the repository`;
      diags.push(
        fromConfig
          ? diagnosticAt(docs.config!.doc, ['spec', 'paths', i], code, msg)
          : fileDiagnostic(raw, code, msg),
      );
      return;
    }
    for (const f of repo.list(p)) {
      if (!isYaml(f) || f === CONFIG_FILE || seen.has(f)) continue;
      seen.add(f);
      docs.files.push(f);
      const text = repo.read(f);
      if (text === undefined) {
        const why = repo.problem(f) ?? 'not readable';
        diags.push(fileDiagnostic(f, 'file-refused', `${f} is ${why}; it is not read`));
        continue;
      }
      const parsed = parseYamlFile(f, text);
      diags.push(...parsed.diagnostics);
      for (const doc of parsed.docs) {
        const kind = checkDocument(doc, diags);
        if (kind === 'Campaign') docs.campaigns.push({ value: doc.value as Campaign, doc });
        else if (kind === 'JobType') docs.jobTypes.push({ value: doc.value as JobType, doc });
        else if (kind === 'LaunchTemplate')
          docs.launchTemplates.push({ value: doc.value as LaunchTemplate, doc });
        else if (kind === 'Service') docs.services.push({ value: doc.value as Service, doc });
        else if (kind === 'Config') {
          diags.push(
            diagnosticAt(
              doc,
              ['kind'],
              'config-location',
              `kind Config belongs in ${CONFIG_FILE} at the repository root`,
            ),
          );
        }
      }
    }
  });
  return { docs, diagnostics: diags.sort(byPosition) };
}
