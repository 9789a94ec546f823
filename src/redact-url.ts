/** `scheme://user:password@` (or `scheme://secret@`) anywhere in a text. */
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(:[^\s/?#@]*)?@/gi

/** The text with the credentials of every URL in it replaced by `***`, as the token is in every message. */
export function redactUrl(text: string): string {
  return text.replace(CREDENTIALS, (_match, scheme: string, user: string, password: string | undefined) =>
    password === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
  )
}
