import type { z } from 'zod';

/** What a section's keys parse into. */
export type SectionValues<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

/**
 * Environment variables a channel or provider owns, declared in its own folder. The hub's config
 * composes the sections of the channels it runs (channels/index.ts), so a new channel's keys need
 * no edit to the core schema; the adapter reads its values back with `read`.
 */
export interface ConfigSection<Shape extends z.ZodRawShape = z.ZodRawShape, Derived extends object = object> {
  /** Who owns the keys, for errors ("twilio", "email"). */
  readonly owner: string;
  readonly shape: Shape;
  /** Problems between keys ("set both or neither"), each starting with the variable to change. */
  // Methods, not function properties: a list of sections of different shapes is one type.
  check?(values: SectionValues<Shape>): string[];
  /** Values computed from the keys, kept in the config beside them (e.g. sandbox mode). */
  derive?(values: SectionValues<Shape>): Derived;
  /** A config parsed with this section, typed with its values; throws when parsed without it. */
  read<Config extends object>(config: Config): Config & SectionValues<Shape> & Derived;
}

/** Marks a parsed config with the sections it was composed from (a symbol survives `{...config}`). */
export const composedSections: unique symbol = Symbol('composedSections');

export class MissingConfigSectionError extends Error {
  constructor(owner: string) {
    super(`the config was parsed without the ${owner} keys: pass its section to parseConfig`);
    this.name = 'MissingConfigSectionError';
  }
}

/** Declares a section; `read` refuses a config it was not part of, rather than returning nothing set. */
export function configSection<Shape extends z.ZodRawShape, Derived extends object = object>(declaration: {
  owner: string;
  shape: Shape;
  check?: (values: SectionValues<Shape>) => string[];
  derive?: (values: SectionValues<Shape>) => Derived;
}): ConfigSection<Shape, Derived> {
  const section: ConfigSection<Shape, Derived> = {
    ...declaration,
    read(config) {
      const sections = (config as { [composedSections]?: ReadonlySet<ConfigSection> })[composedSections];
      if (!sections?.has(section as unknown as ConfigSection))
        throw new MissingConfigSectionError(section.owner);
      return config as typeof config & SectionValues<Shape> & Derived;
    },
  };
  return section;
}

/** What a list of sections adds to the config: each one's values and derived values. */
export type SectionsOutput<Sections extends readonly ConfigSection[]> = UnionToIntersection<
  Sections[number] extends infer Section
    ? Section extends ConfigSection<infer Shape, infer Derived>
      ? SectionValues<Shape> & Derived
      : never
    : never
>;

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (
  value: infer I,
) => void
  ? I
  : never;
