import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node.js';

/**
 * The published schemas as editors read them: the real yaml-language-server (the server of
 * VS Code's, Neovim's and Helix's YAML support) over LSP, on the examples, which name their
 * schema in a `# yaml-language-server: $schema=` line. No schema store, no network.
 */
interface Diagnostic {
  range: { start: { line: number; character: number } };
  message: string;
  severity: number;
}

const ROOT = path.resolve('.');
let child: ChildProcess;
let conn: MessageConnection;
const waiting = new Map<string, (d: Diagnostic[]) => void>();
let version = 0;

beforeAll(async () => {
  const bin = createRequire(import.meta.url).resolve(
    'yaml-language-server/bin/yaml-language-server',
  );
  child = spawn(process.execPath, [bin, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  conn = createMessageConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const settings = {
    validate: true,
    hover: true,
    completion: true,
    schemaStore: { enable: false },
  };
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) =>
    p.items.map(() => settings),
  );
  conn.onRequest('client/registerCapability', () => null);
  conn.onNotification(
    'textDocument/publishDiagnostics',
    (p: { uri: string; diagnostics: Diagnostic[] }) => {
      waiting.get(p.uri)?.(p.diagnostics);
    },
  );
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(ROOT).href,
    capabilities: {
      workspace: { configuration: true },
      textDocument: { completion: {}, hover: { contentFormat: ['markdown', 'plaintext'] } },
    },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('workspace/didChangeConfiguration', { settings: { yaml: settings } });
}, 30_000);

afterAll(() => {
  conn?.dispose();
  child?.kill();
});

/** Opens a file (its text edited) and waits for the server's diagnostics of that version. */
async function open(file: string, edit: (t: string) => string = (t) => t, keepOpen = false) {
  const text = edit(readFileSync(file, 'utf8'));
  const uri = pathToFileURL(path.resolve(file)).href;
  const diagnostics = new Promise<Diagnostic[]>((resolve) => waiting.set(uri, resolve));
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'yaml', version: ++version, text },
  });
  const d = await diagnostics;
  if (!keepOpen) await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return { uri, text, lines: text.split('\n'), diagnostics: d };
}

describe('the schemas in yaml-language-server', () => {
  it('finds nothing wrong with the examples', async () => {
    for (const f of [
      'campaigns/sbnd/mcc-test-1.yaml',
      'campaigns/sbnd/jobtypes.yaml',
      'campaigns/sbnd/launch.yaml',
      'campaigns/dune/protodune.yaml',
      'gitpoms.yaml',
    ])
      expect((await open(f)).diagnostics, f).toEqual([]);
  }, 30_000);

  it('puts an unknown field on its line, and a wrong value of a shared definition on its own', async () => {
    const o = await open('campaigns/sbnd/mcc-test-1.yaml', (t) =>
      t
        .replace('      dataset: fromParent', '      datset: fromParent')
        .replace('  state: active', '  state: paused'),
    );
    const line = (s: string) => o.lines.findIndex((l) => l.includes(s));
    const byLine = o.diagnostics.map((d) => [d.range.start.line, d.message]);
    expect(byLine).toContainEqual([line('datset: fromParent'), 'Property datset is not allowed.']);
    // state's enum is in common.schema.json: the server followed the $ref, as ajv does.
    expect(byLine).toContainEqual([
      line('  state: paused'),
      expect.stringMatching(/Value is not accepted/),
    ]);
    expect(o.diagnostics).toHaveLength(2);
  }, 30_000);

  it('offers the stage fields inside a stage, and shows a field’s description on hover', async () => {
    const o = await open('campaigns/sbnd/mcc-test-1.yaml', undefined, true);
    const at = o.lines.findIndex((l) => l.includes('global.basename: g4'));
    // A new key at the stage's indentation, after its overrides.
    const items = (await conn.sendRequest('textDocument/completion', {
      textDocument: { uri: o.uri },
      position: { line: at + 1, character: 6 },
    })) as { items: Array<{ label: string }> } | Array<{ label: string }>;
    const labels = (Array.isArray(items) ? items : items.items).map((i) => i.label);
    expect(labels).toEqual(
      expect.arrayContaining(['split', 'slicesInFlight', 'schedule', 'submissions']),
    );
    expect(labels).not.toContain('stages');
    const ds = o.lines.findIndex((l) => l.includes('dataset: fromParent'));
    const hover = (await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: o.uri },
      position: { line: ds, character: 8 },
    })) as { contents: { value: string } };
    const schema = JSON.parse(readFileSync('schemas/campaign.schema.json', 'utf8')) as {
      $defs: { stage: { properties: { dataset: { description: string } } } };
    };
    expect(hover.contents.value).toContain(schema.$defs.stage.properties.dataset.description);
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri: o.uri } });
  }, 30_000);
});
