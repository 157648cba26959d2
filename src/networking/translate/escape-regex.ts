// Literal text inside a regular expression (RE2, as Envoy reads it): every metacharacter escaped.
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
