// The result of translating one part of a policy: the value, or every error found in it.
export type Translation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: string[] };

export const translated = <T>(value: T): Translation<T> => ({ ok: true, value });
export const rejected = <T>(errors: string[]): Translation<T> => ({ ok: false, errors });
