// Docker's .dockerignore matcher (@balena/dockerignore, a port of moby's fileutils). The package is
// CommonJS; under NodeNext its declared default export is reached as `.default` (which the package
// also sets at run time).
import dockerignore from '@balena/dockerignore';

export const ignore: typeof dockerignore.default = dockerignore.default;
