// Regenerates src/model/types.generated.ts and src/model/schemas.generated.ts from schemas/
// (run after `npm run build`).
import { writeFile } from 'node:fs/promises';
import { generateSchemasModule, generateTypes } from '../dist/codegen/generate-types.js';

await writeFile('src/model/types.generated.ts', await generateTypes('schemas'));
await writeFile('src/model/schemas.generated.ts', await generateSchemasModule('schemas'));
console.log('wrote src/model/types.generated.ts and src/model/schemas.generated.ts');
