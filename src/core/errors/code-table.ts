/** One entry of the error-code registry: the HTTP status it maps to and a one-line summary. */
export interface ErrorCodeInfo {
  readonly httpStatus: number;
  readonly summary: string;
}

export type CodeTable = Readonly<Record<`TESSERA_ERR_${string}`, ErrorCodeInfo>>;
