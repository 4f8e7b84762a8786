// node-gyp-build ships no types; only the part the loader calls.
declare module 'node-gyp-build' {
  function load(dir: string): unknown;
  namespace load {
    /**
     * The addon file of the package in `dir`: its own build (build/Release, build/Debug) if there
     * is one, else the prebuilt binary for this platform and architecture
     * (prebuilds/<platform>-<arch>/). Throws when there is neither.
     */
    function path(dir: string): string;
  }
  export = load;
}
