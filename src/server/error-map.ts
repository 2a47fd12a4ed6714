/** The one place where error codes become HTTP statuses (API.md "Errors"). */
const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  invalid_choice: 400,
  input_required: 400,
  invalid_input: 400,
  invalid_pipeline: 400,
  unauthorized: 401,
  forbidden: 403,
  forbidden_host: 403,
  forbidden_origin: 403,
  not_found: 404,
  run_not_found: 404,
  step_not_found: 404,
  pipeline_not_found: 404,
  artifact_not_found: 404,
  no_changes: 404,
  webhook_not_configured: 404,
  schedule_not_found: 404,
  request_timeout: 408,
  run_finished: 409,
  run_not_finished: 409,
  nothing_to_retry: 409,
  step_not_completed: 409,
  gate_not_waiting: 409,
  pipeline_disabled: 409,
  schedule_from_config: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  shutting_down: 503,
  store_unavailable: 503,
};

export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}
