#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need on a fresh machine,
# builds everything with warnings as errors, runs every test (unit, property, integration against the
# embedded broker, Garnet and a real redis-server), then every shipped topology fixture.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build ContactCenter.sln -c Release 2>&1 | tail -n 3

log=$(mktemp)
set +e
dotnet test ContactCenter.sln -c Release --no-build 2>&1 | tee "$log" | grep -Ev "^\s*$"
status=${PIPESTATUS[0]}
set -e

# One plain summary line, whatever the runner prints: "N passed, N failed".
passed=$(grep -Eo "Passed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo "Failed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi

fixtures_status=0
if ls topologies/fixtures/*.yaml >/dev/null 2>&1; then
  echo "== topology fixtures"
  dotnet src/Processor/bin/Release/net10.0/contactcenter.dll test topologies/fixtures/*.yaml || fixtures_status=$?
fi
rm -f "$log"

echo "tests: ${passed} passed, ${failed} failed"
if [[ $status -ne 0 || $fixtures_status -ne 0 ]]; then exit 1; fi
