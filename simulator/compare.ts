// One workload, both policies: the comparison the results table reports.
import { simulate } from './engine';
import { figures, type PolicyFigures } from './metrics';
import type { SimParams } from './params';
import { POLICIES } from './policies';
import { makeWorkload } from './workload';

export interface Comparison {
  params: SimParams;
  results: PolicyFigures[];
}

export function compare(params: SimParams): Comparison {
  const workload = makeWorkload(params);
  return { params, results: POLICIES.map((policy) => figures(simulate({ params, policy, workload }))) };
}
