// Stacks: server-wide execution environments, built from typed components that stacks share.
import { isDeepStrictEqual } from 'node:util';
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError } from '../../graphql/errors';
import { PageArgs, pageRequest } from '../../graphql/pagination';
import { validateJsonDepth, validateName, validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { listPage } from '../../db/lists';
import { transaction } from '../../db/transaction';
import { assertServerAdmin } from '../access';
import { Stack, StackComponent } from './stack.entity';
import { StackComponentType } from './stack-component-type';
import { STACKS } from './stacks.loaders';
import { RegisterStackInput, StackComponentInput, StackFilter } from './stacks.types';

const REQUIRED = [StackComponentType.ORCHESTRATOR, StackComponentType.ARTIFACT_STORE];
/** Config is stored in clear and shown to every reader: keys that look like credentials are refused. */
const CREDENTIAL_KEY = /(password|passwd|secret|token|key|credentials?)$/i;

function findCredentialKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findCredentialKey(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (CREDENTIAL_KEY.test(k.replace(/[^A-Za-z]/g, ''))) return `${path}.${k}`;
      const found = findCredentialKey(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

function validateComponent(c: StackComponentInput, i: number): void {
  validateName(c.name, `components[${i}].name`);
  if (c.flavor != null) validateName(c.flavor, `components[${i}].flavor`);
  if (c.config != null) {
    if (typeof c.config !== 'object' || Array.isArray(c.config)) throw new BadUserInputError(`components[${i}].config must be a JSON object`, `components[${i}].config`);
    validateJsonDepth(c.config, `components[${i}].config`);
    const key = findCredentialKey(c.config, 'config');
    if (key) {
      throw new BadUserInputError(`components[${i}].${key} looks like a credential; stack config is shown to every reader, keep secrets in a secret store`, `components[${i}].config`);
    }
  }
}

/**
 * The config as it comes back from jsonb: a config written inline in the query is built from
 * prototype-less objects, which isDeepStrictEqual never finds equal to parsed JSON.
 */
const asStored = (config: unknown) => JSON.parse(JSON.stringify(config));

export class StacksService {
  constructor(private readonly db: DataSource) {}

  async register(ctx: Context, input: RegisterStackInput): Promise<Stack> {
    assertServerAdmin(ctx, 'registering a stack');
    const name = validateName(input.name, 'name');
    const description = validateText(input.description, 'description');
    input.components.forEach(validateComponent);
    const types = input.components.map((c) => c.type);
    const twice = types.find((t, i) => types.indexOf(t) !== i);
    if (twice) throw new BadUserInputError(`a stack has at most one component of each type; ${twice} is given twice`, 'components');
    const missing = REQUIRED.filter((t) => !types.includes(t));
    if (missing.length) throw new BadUserInputError(`a stack needs an ${missing.join(' and an ')}`, 'components');
    return transaction(this.db, async (tx) => {
      const [row] = await tx.query('INSERT INTO stack (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING *', [name, description]);
      if (!row) throw new ConflictError(`stack "${name}" already exists`);
      const stack = hydrate(this.db, Stack, row);
      for (const [i, c] of input.components.entries()) {
        const component = await this.ensureComponent(tx, c, i);
        await tx.query('INSERT INTO stack_component_link (stack_id, component_id, type) VALUES ($1, $2, $3)', [stack.id, component.id, c.type]);
      }
      return stack;
    });
  }

  /** Reuses the component of that type and name (flavor and config must then agree) or creates it. */
  private async ensureComponent(tx: EntityManager, c: StackComponentInput, i: number): Promise<StackComponent> {
    const select = async () => {
      const [r] = await tx.query('SELECT * FROM stack_component WHERE type = $1 AND name = $2', [c.type, c.name]);
      return r ? hydrate(this.db, StackComponent, r) : null;
    };
    let component = await select();
    if (!component) {
      if (c.flavor == null) throw new BadUserInputError(`components[${i}]: ${c.type} "${c.name}" does not exist yet, so it needs a flavor`, `components[${i}].flavor`);
      await tx.query('INSERT INTO stack_component (type, name, flavor, config) VALUES ($1, $2, $3, $4) ON CONFLICT (type, name) DO NOTHING',
        [c.type, c.name, c.flavor, c.config ?? {}]);
      component = (await select())!;
    }
    if ((c.flavor != null && c.flavor !== component.flavor) || (c.config != null && !isDeepStrictEqual(asStored(c.config), component.config))) {
      throw new ConflictError(`${c.type} "${c.name}" already exists with another flavor or config; leave them out to reuse it`);
    }
    return component;
  }

  list(_ctx: Context, args: PageArgs & { filter?: StackFilter }) {
    return listPage<Stack, StackFilter>(this.db, STACKS, { filter: args.filter, page: pageRequest(args) });
  }

  async find(name: string): Promise<Stack | null> {
    const [row] = await this.db.query('SELECT * FROM stack WHERE name = $1', [name]);
    return row ? hydrate(this.db, Stack, row) : null;
  }
}
