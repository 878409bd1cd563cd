import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { didYouMean } from '../../desired/diagnostic.js';
import { KINDS, readSchema, schemaFileOf, type Kind } from '../../desired/schemas.js';
import { EXIT, type Io } from '../io.js';

export function registerSchema(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('schema')
    .description(
      'print the JSON Schema of a kind (Campaign, JobType, LaunchTemplate, Service, Config), or list them',
    )
    .argument('[kind]', 'the kind; "common" for the shared definitions')
    .action((kind: string | undefined) => {
      if (kind === undefined) {
        for (const k of KINDS)
          io.stdout(
            `${k.padEnd(15)} schemas/${schemaFileOf(k)}  ${String(readSchema(schemaFileOf(k)).$id)}\n`,
          );
        setCode(EXIT.ok);
        return;
      }
      if (kind === 'common') {
        io.stdout(`${JSON.stringify(readSchema('common.schema.json'), null, 2)}\n`);
        setCode(EXIT.ok);
        return;
      }
      if (!(KINDS as readonly string[]).includes(kind)) {
        const guess = didYouMean(kind, KINDS);
        throw new InvalidInputError(
          `unknown kind "${kind}"${guess ? ` (did you mean ${guess}?)` : ''}; kinds: ${KINDS.join(', ')}, common`,
        );
      }
      io.stdout(`${JSON.stringify(readSchema(schemaFileOf(kind as Kind)), null, 2)}\n`);
      setCode(EXIT.ok);
    });
}
