/**
 * The rows a plan (EXPLAIN (ANALYZE, FORMAT JSON)) read from `relation`: those its scans of it
 * returned and those they filtered away, over all their loops (EXPLAIN gives both per loop).
 */
export function rowsReadFrom(relation: string, node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, n) => sum + rowsReadFrom(relation, n), 0);
  if (!node || typeof node !== 'object') return 0;
  const n = node as Record<string, unknown>;
  const perLoop = Number(n['Actual Rows'] ?? 0) + Number(n['Rows Removed by Filter'] ?? 0);
  const own = n['Relation Name'] === relation ? perLoop * Number(n['Actual Loops'] ?? 1) : 0;
  return own + rowsReadFrom(relation, n.Plan) + rowsReadFrom(relation, n.Plans);
}
