#!/usr/bin/env bash
# Runs every test of NeuroPilot.Edge on a fresh machine that has only the .NET SDK:
#   1. installs what the tests need from Debian (only what is missing),
#   2. publishes the Native AOT binary (an IL/trim/AOT warning fails the run),
#   3. runs all test projects against that binary,
#   4. ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
artifacts=$root/artifacts
rm -rf "$artifacts/test-results"
mkdir -p "$artifacts"

# Debian packages the tests use: a package is installed only when its command is missing.
need=()
while read -r command package; do
  [[ -z $command ]] && continue
  command -v "$command" >/dev/null 2>&1 || need+=("$package")
done < <(grep -v "^#" "$root/tests/apt-packages.txt")
if ((${#need[@]} > 0)); then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== publishing the AOT binary"
publish_log=$artifacts/publish.log
if ! dotnet publish src/NeuroPilot.Edge -c Release -o "$artifacts/bin" -p:TreatWarningsAsErrors=true >"$publish_log" 2>&1; then
  cat "$publish_log"
  echo "AOT publish failed"
  exit 1
fi
if grep -E 'warning (IL|AOT)[0-9]+' "$publish_log"; then
  echo "AOT publish printed trim/AOT warnings"
  exit 1
fi
ls -l "$artifacts/bin/neuropilot-edge"
export NEUROPILOT_EDGE_BINARY=$artifacts/bin/neuropilot-edge

echo "== running the tests"
status=0
dotnet test NeuroPilot.Edge.sln -c Release -p:TreatWarningsAsErrors=true \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$artifacts/test-results" || status=$?

# The forwarding-engine axis: the run above used the default engine (fast); the functional suite runs again with
# every edge on YARP (EngineAxis puts "Engine": "yarp" into each test config). The classes that send no request
# through a proxy listener (the command-line checks, the fleet's DNS writer) do the same on either engine and run once,
# and so does EngineDifferentialTests, which runs both engines side by side itself.
echo "== running the functional suite again on the YARP engine"
NEUROPILOT_EDGE_TEST_ENGINE=yarp dotnet test tests/NeuroPilot.Edge.Tests -c Release --no-build \
  --filter "FullyQualifiedName~.Functional.&FullyQualifiedName!~.DnsPlanCommandTests.&FullyQualifiedName!~.FleetDnsTests.&FullyQualifiedName!~.CommandLineTests.&FullyQualifiedName!~.HealthCommandTests.&FullyQualifiedName!~.TlsCheckCommandTests.&FullyQualifiedName!~.EngineDifferentialTests." \
  --logger "trx;LogFilePrefix=yarp-engine" --logger "console;verbosity=normal" --results-directory "$artifacts/test-results" || status=$?

passed=0
failed=0
shopt -s nullglob
for trx in "$artifacts"/test-results/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + p))
  failed=$((failed + f))
done
# The failed tests again, by name with the head of their message, so the end of a long log says what failed.
if ((failed > 0)); then
  echo "== failed tests"
  for trx in "$artifacts"/test-results/*.trx; do
    awk '
      /<UnitTestResult / && /outcome="Failed"/ {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
        print "FAILED " name; inFailed = 1; lines = 0
      }
      inFailed && /<Message>/ { inMessage = 1 }
      inMessage && lines < 12 { line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line); print "  " line; lines++ }
      inMessage && /<\/Message>/ { inMessage = 0; inFailed = 0 }
      /<\/UnitTestResult>/ { inMessage = 0; inFailed = 0 }
    ' "$trx"
  done
fi
if ((status != 0 && failed == 0)); then
  failed=1
  echo "dotnet test exited $status"
fi
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
