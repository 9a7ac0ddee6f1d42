/**
 * TokenRenewal: when the HTTP sink renews its OIDC token on a 401. A 401 renews the token once per
 * request (an expired or revoked token); but when the token fetched so is refused too before any
 * request with it succeeded, the endpoint refuses our tokens, not an old one (a wrong audience or
 * scope): its 401s then stand without renewal for `holdMs`, so a misconfiguration does not turn
 * into one token request per record request. A token that was accepted once is renewed on a later
 * 401 as usual.
 */
export class TokenRenewal {
  /** The token fetched after a 401, until a request with it succeeds or is refused. */
  private unproven: string | undefined;
  /** A token fetched after a 401 and refused too, and when (monotonic ms). */
  private refused: { readonly token: string; readonly at: number } | undefined;

  constructor(
    /** The monotonic clock's reading. */
    private readonly now: () => number,
    private readonly holdMs = 30_000,
  ) {}

  /** `token` is about to be sent; `renewal`: it was fetched after a 401. */
  sending(token: string, renewal: boolean): void {
    if (renewal && token !== this.refused?.token) this.unproven = token;
  }

  /** A request with `token` got another status than 401. */
  accepted(token: string): void {
    if (token === this.unproven) this.unproven = undefined;
  }

  /** A request with `token` got a 401: whether to renew the token and send it again. */
  renewOn401(token: string, alreadyRenewed: boolean): boolean {
    if (token === this.unproven) {
      this.unproven = undefined;
      this.refused = { token, at: this.now() };
    }
    if (alreadyRenewed) return false;
    return !(token === this.refused?.token && this.now() - this.refused.at < this.holdMs);
  }
}
