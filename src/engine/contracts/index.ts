import { errorMessage } from '../../errors.js';
import type { ContractSpec, StepSpec } from '../../pipeline/model.js';
import { agentReviewContract } from './agent-review.js';
import { eventContainsContract } from './event-contains.js';
import { formatContract } from './format.js';
import { jsonSchemaContract } from './json-schema.js';
import { llmJudgeContract } from './llm-judge.js';
import { markdownSpecContract } from './markdown-spec.js';
import { nonEmptyFileContract } from './non-empty-file.js';
import { sourceDiffContract, testCountBaselineContract, testDiffContract } from './test-diff.js';
import { testSuiteContract } from './test-suite.js';
import type { ContractChecker, ContractContext, ContractResult } from './types.js';
import { typescriptInterfaceContract } from './typescript-interface.js';

export type { ContractContext, ContractResult } from './types.js';

const CHECKERS: Record<ContractSpec['type'], ContractChecker> = {
  json_schema: jsonSchemaContract,
  test_suite: testSuiteContract,
  non_empty_file: nonEmptyFileContract,
  markdown_spec: markdownSpecContract,
  agent_review: agentReviewContract,
  llm_judge: llmJudgeContract,
  test_diff: testDiffContract,
  test_count_baseline: testCountBaselineContract,
  source_diff: sourceDiffContract,
  format: formatContract,
  event_contains: eventContainsContract,
  typescript_interface: typescriptInterfaceContract,
  // The Go Wave never runs it (its validator is nil): accepted, and passes, as there.
  spec_derived_test: async () => ({ ok: true, errors: [] }),
};

/** The contracts that read a file (`source`, else the step's first output artifact). */
const READS_SOURCE = new Set<ContractSpec['type']>([
  'json_schema',
  'non_empty_file',
  'markdown_spec',
  'llm_judge',
  'format',
]);

/** The file a contract checks: its `source`, else the step's first output artifact, else null. */
export function contractSource(contract: ContractSpec, step: StepSpec): string | null {
  // The Go Wave's llm_judge falls back to `.agents/artifact.json`.
  return (
    contract.source ||
    step.outputs[0]?.path ||
    (contract.type === 'llm_judge' ? '.agents/artifact.json' : null)
  );
}

/**
 * Checks one contract after a step ran. Never throws: whatever goes wrong becomes an error
 * in the result, naming what to fix.
 */
export async function checkContract(contract: ContractSpec, ctx: ContractContext): Promise<ContractResult> {
  const checker: ContractChecker | undefined = CHECKERS[contract.type];
  if (!checker) return { ok: false, errors: [`unknown contract type "${contract.type}"`] };
  let resolved = contract;
  if (READS_SOURCE.has(contract.type)) {
    const source = contractSource(contract, ctx.step);
    if (source === null) {
      return { ok: false, errors: ['the contract has no source and the step declares no output artifact'] };
    }
    resolved = { ...contract, source };
  }
  try {
    return await checker(resolved, ctx);
  } catch (err) {
    return {
      ok: false,
      errors: [`the ${contract.type} contract could not be checked: ${errorMessage(err)}`],
    };
  }
}
