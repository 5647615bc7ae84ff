// rotor: jwt (filled in by its feature).
export {};
