// Bad stored data (issue 10, item 4): what the operator meets in a cluster that
// has lived. Filled in below.

export interface BadDataCase {
  name: string;
  /** The condition reason / Event reason that reported it. */
  reported: string;
  met: boolean;
  detail: string;
}

export interface BadDataResult {
  cases: BadDataCase[];
}
