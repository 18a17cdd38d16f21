// The shape of a dictionary entry, shared by every language's files and the engine.

/**
 * Plural forms of one message, chosen by the `count` parameter through `Intl.PluralRules`
 * (Spanish and English use `one` and `other`; `other` is the fallback for any category a
 * language's rules name and the entry leaves out). `{count}` in a form shows the number in the
 * page's number format.
 */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** A message: text with `{name}` placeholders, or plural forms of it. */
export type Message = string | Plural;

/** What a language's area file holds. */
export type Messages = Record<string, Message>;

/**
 * Another language's version of a Spanish area file: exactly its keys (used with `satisfies`, a
 * missing or extra key fails the type check), plural where the Spanish entry is plural.
 */
export type Translation<Spanish extends Messages> = {
  [K in keyof Spanish]: Spanish[K] extends string ? string : Plural;
};
