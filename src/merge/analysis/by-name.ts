/** A copy sorted by name (code-unit order, as the engine emits and Python's sorted() orders ASCII names). */
export function sortedByName<T extends {name: string}>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
