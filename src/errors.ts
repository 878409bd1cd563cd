/** Faults (not user input mistakes): every one has a stable kebab-case code. */
export class GitpomsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A backend failed; `retryable` says whether trying again makes sense. */
export class AdapterError extends GitpomsError {
  readonly backend: string;
  readonly retryable: boolean;
  constructor(
    backend: string,
    message: string,
    options: { retryable: boolean; cause?: unknown; code?: string },
  ) {
    super(options.code ?? 'adapter-failed', `${backend}: ${message}`, options);
    this.backend = backend;
    this.retryable = options.retryable;
  }
}

/** Bad input that has already been reported as diagnostics. */
export class InvalidInputError extends GitpomsError {
  constructor(message: string) {
    super('invalid-input', message);
  }
}
