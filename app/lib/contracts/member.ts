/** A customer's member data (the member import), as the profile query reads it and the customer pages show it. */
export interface MemberFacts {
  member_no: string | null;
  level: string | null;
  points: number | null;
  birth_year: number | null;
  birth_month: number | null;
  birth_day: number | null;
  registered_store: string | null;
  registered_on: string | null;
  opt_out: boolean;
  /** A Date on the server, its ISO string once serialized to the page. */
  opt_out_at: string | Date | null;
}
