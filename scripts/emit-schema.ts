// Writes schema.graphql from the code (npm run schema); a test checks the committed copy matches.
import fs from 'node:fs';
import path from 'node:path';
import { buildAppSchema, printAppSchema } from '../src/graphql/schema';

const target = path.resolve(__dirname, '..', '..', 'schema.graphql');
fs.writeFileSync(target, printAppSchema(buildAppSchema()));
console.log(`wrote ${target}`);
