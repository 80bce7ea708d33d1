# Sourced by ./mvnw, bench/run and other launchers: sets KILN_FOUND_JDK to a JDK 22 or newer, looking
# at $KILN_JDK, $JAVA_HOME, /usr/lib/jvm/*, ~/.jdks/*, SDKMAN and /opt, or leaves it empty.
kiln_jdk_major() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  fi
}
KILN_FOUND_JDK=""
for kiln_home in ${KILN_JDK:-} ${JAVA_HOME:-} /usr/lib/jvm/* "$HOME"/.jdks/* "$HOME"/.sdkman/candidates/java/* /opt/java/* /opt/jdk*; do
  [ -d "$kiln_home" ] || continue
  kiln_major=$(kiln_jdk_major "$kiln_home")
  if [ -n "$kiln_major" ] && [ "$kiln_major" -ge 22 ]; then KILN_FOUND_JDK="$kiln_home"; break; fi
done
KILN_NO_JDK_MESSAGE="Kiln needs a JDK 22 or newer (Foreign Function & Memory API) to build and run, and none was found
  in \$KILN_JDK, \$JAVA_HOME, /usr/lib/jvm, ~/.jdks or ~/.sdkman. Install one (for example a Temurin 25 package, or
  openjdk-25-jdk on Debian 13), then try again.
  (KILN_JDK=/path/to/jdk selects one explicitly.)"
