// `radam-run list`: every model, dataset, optimizer and schedule with its options, types, defaults
// and descriptions — generated from the zod schemas, so it cannot drift from what is accepted.
import { z } from 'zod';
import chalk from 'chalk';
import { Experiment } from '../config/schema.js';
import { ModelSpec } from '../config/models.js';
import { DataSpec } from '../config/data.js';
import { OptimizerSpec, Schedule } from '../config/optimizers.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
};

function toJson(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** A short type description of a JSON-schema node: `number > 0`, `"momentum" | "skip"`, … */
function describeType(node: JsonSchema): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = node.anyOf ?? node.oneOf;
  if (alts) {
    const kinds = alts.map((a) => a.properties?.kind?.const).filter((k) => k !== undefined);
    if (kinds.length === alts.length) return `{ kind: ${kinds.map((k) => JSON.stringify(k)).join(' | ')}, … }`;
    return alts.map(describeType).join(' | ');
  }
  const type = Array.isArray(node.type) ? node.type.join(' | ') : node.type;
  if (type === 'number' || type === 'integer') {
    const bounds: string[] = [];
    if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
    else if (node.minimum !== undefined && !(type === 'integer' && node.minimum === Number.MIN_SAFE_INTEGER)) bounds.push(`≥ ${node.minimum}`);
    if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
    else if (node.maximum !== undefined && !(type === 'integer' && node.maximum === Number.MAX_SAFE_INTEGER)) bounds.push(`≤ ${node.maximum}`);
    return [type, ...bounds].join(' ');
  }
  if (type === 'array') {
    if (node.prefixItems) return `[${node.prefixItems.map(describeType).join(', ')}]`;
    if (node.items && !Array.isArray(node.items)) return `list of ${describeType(node.items)}`;
    return 'list';
  }
  if (type === 'object' && node.properties?.kind?.const !== undefined) return `{ kind: ${JSON.stringify(node.properties.kind.const)}, … }`;
  return type ?? 'any';
}

function renderOptions(node: JsonSchema, indent: string): string[] {
  const lines: string[] = [];
  const props = Object.entries(node.properties ?? {}).filter(([k]) => k !== 'kind');
  const width = Math.max(0, ...props.map(([k]) => k.length));
  for (const [key, prop] of props) {
    const required = node.required?.includes(key) && prop.default === undefined;
    const dflt = prop.default !== undefined ? `default ${JSON.stringify(prop.default)}` : required ? chalk.yellow('required') : 'optional';
    lines.push(`${indent}${key.padEnd(width)}  ${describeType(prop)}  ${chalk.dim(dflt)}${prop.description ? `  — ${prop.description}` : ''}`);
  }
  return lines;
}

function renderUnion(title: string, union: z.ZodType): string[] {
  const json = toJson(union);
  const lines = [chalk.bold(title)];
  for (const option of json.oneOf ?? json.anyOf ?? []) {
    const kind = option.properties?.kind?.const;
    lines.push(`  ${chalk.cyan(String(kind))}${option.description ? ` — ${option.description}` : ''}`);
    lines.push(...renderOptions(option, '      '));
  }
  return lines;
}

export async function listCommand(flags: { json?: boolean }): Promise<void> {
  if (flags.json) {
    process.stdout.write(JSON.stringify(toJson(Experiment), null, 2) + '\n');
    return;
  }
  const top = toJson(Experiment);
  const lines = [chalk.bold('experiment (top level)'), ...renderOptions(top, '  '), ''];
  lines.push(...renderUnion('models (model.kind)', ModelSpec), '');
  lines.push(...renderUnion('datasets (data.kind)', DataSpec), '');
  lines.push(...renderUnion('optimizers (optimizers[].kind)', OptimizerSpec), '');
  lines.push(...renderUnion('schedules (optimizers[].schedule.kind)', Schedule));
  process.stdout.write(lines.join('\n') + '\n');
}
