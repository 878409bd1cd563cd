// Regenerates src/model/types.generated.ts and src/model/schemas.generated.ts from schemas/
// (run after `npm run build`).
import { writeFile } from 'node:fs/promises';
import {
  generateSchemasModule,
  generateTypes,
  generateValidatorsModule,
} from '../dist/codegen/generate-types.js';
import { generateReference } from '../dist/codegen/reference.js';

await writeFile('src/model/types.generated.ts', await generateTypes('schemas'));
await writeFile('src/model/schemas.generated.ts', await generateSchemasModule('schemas'));
await writeFile('src/desired/validators.generated.ts', await generateValidatorsModule('schemas'));
await writeFile('docs/reference.md', await generateReference('schemas'));
console.log(
  'wrote src/model/types.generated.ts, src/model/schemas.generated.ts, src/desired/validators.generated.ts and docs/reference.md',
);
