// rotor: issuer (filled in by its feature).
export {};
