// rotor/sw: service-worker silent renewal (filled in by the renewal feature).
export {};
