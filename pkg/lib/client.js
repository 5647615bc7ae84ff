// rotor: client (filled in by its feature).
export {};
