#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the tests need on a fresh machine,
# builds everything with warnings as errors, runs every test (unit, property, integration against the
# embedded broker, Garnet and a real redis-server, process kills), then every shipped topology fixture.
#
#   bash scripts/test.sh           everything (what CI runs)
#   bash scripts/test.sh --quick   only the tests that need nothing outside the process: [Trait("Kind", "Unit")]
#                                  and [Trait("Kind", "Property")]; no redis-server is installed or started
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/test.sh: unknown option '$arg' (use --quick or nothing)" >&2; exit 2 ;;
  esac
done

filter=()
if [[ $quick -eq 1 ]]; then
  filter=(--filter "Kind=Unit|Kind=Property")
  echo "== quick: Unit and Property tests only"
else
  bash scripts/install-test-deps.sh
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build ContactCenter.sln -c Release 2>&1 | tail -n 3

log=$(mktemp)
set +e
dotnet test ContactCenter.sln -c Release --no-build "${filter[@]}" 2>&1 | tee "$log" | grep -Ev "^\s*$"
status=${PIPESTATUS[0]}
set -e

# One plain summary line, whatever the runner prints: "N passed, N failed".
passed=$(grep -Eo "Passed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo "Failed: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi

fixtures_status=0
if ls topologies/fixtures/*.yaml >/dev/null 2>&1; then
  echo "== topology fixtures"
  dotnet src/Cli/bin/Release/net10.0/contactcenter.dll test topologies/fixtures/*.yaml || fixtures_status=$?
fi
rm -f "$log"

echo "tests: ${passed} passed, ${failed} failed"
if [[ $status -ne 0 || $fixtures_status -ne 0 ]]; then exit 1; fi
