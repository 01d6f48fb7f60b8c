/**
 * Known SIP scanners announce themselves in User-Agent (sipvicious sends
 * "friendly-scanner" by default). Matching is by case-insensitive substring,
 * the way fail2ban's asterisk filter and drachtio's own spammer list do it.
 */
export class ScannerFilter {
  private readonly needles: string[];

  constructor(userAgents: string[]) {
    this.needles = userAgents.map((u) => u.toLowerCase());
  }

  isScanner(userAgent: string | undefined): boolean {
    if (!userAgent) return false;
    const ua = userAgent.toLowerCase();
    return this.needles.some((n) => ua.includes(n));
  }
}
