/** An extension as a phone signs in with it, and the transport it registers over. */
export interface PhoneAccount {
  number: string;
  password: string;
  transport: 'udp' | 'tcp' | 'tls';
}
