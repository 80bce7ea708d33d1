# Sourced by ./mvnw, bench/run and other launchers: sets KILN_FOUND_JDK to a JDK 22 or newer, looking
# at $KILN_JDK, $JAVA_HOME, /usr/lib/jvm/*, ~/.jdks/*, SDKMAN and /opt, or leaves it empty.
kiln_jdk_major() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  kiln_release_major "$1" && printf '%s\n' "$kiln_major"
}
kiln_release_major() { # sets kiln_major to JAVA_VERSION's feature version in $1/release (POSIX sh, no subprocess)
  kiln_major=""
  [ -f "$1/release" ] || return 0
  while IFS= read -r kiln_line || [ -n "$kiln_line" ]; do
    case "$kiln_line" in
      JAVA_VERSION=\"[0-9]*)
        kiln_major=${kiln_line#JAVA_VERSION=\"}
        kiln_major=${kiln_major%%[!0-9]*}
        return 0 ;;
    esac
  done <"$1/release"
}
KILN_FOUND_JDK=""
for kiln_home in ${KILN_JDK:-} ${JAVA_HOME:-} /usr/lib/jvm/* "$HOME"/.jdks/* "$HOME"/.sdkman/candidates/java/* /opt/java/* /opt/jdk*; do
  [ -d "$kiln_home" ] || continue
  [ -x "$kiln_home/bin/javac" ] || continue
  kiln_release_major "$kiln_home" # sets kiln_major (a subshell per candidate costs more than the JVM's start)
  if [ -n "$kiln_major" ] && [ "$kiln_major" -ge 22 ]; then KILN_FOUND_JDK="$kiln_home"; break; fi
done
KILN_NO_JDK_MESSAGE="Kiln needs a JDK 22 or newer (Foreign Function & Memory API) to build and run, and none was found
  in \$KILN_JDK, \$JAVA_HOME, /usr/lib/jvm, ~/.jdks or ~/.sdkman. Install one (for example a Temurin 25 package, or
  openjdk-25-jdk on Debian 13), then try again.
  (KILN_JDK=/path/to/jdk selects one explicitly.)"
