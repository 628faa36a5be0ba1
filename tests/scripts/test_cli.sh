# The CLI's contract: help, version, usage errors with exit code 2.
source tests/scripts/lib.sh
expect_output "usage: exaone COMMAND" $EXAONE --help
expect_output "exaone 0." $EXAONE --version
expect_stderr "unknown command" 2 $EXAONE frobnicate
expect_stderr "unknown option" 2 $EXAONE --frobnicate
expect_exit 2 $EXAONE
# Every command in the table answers --help with exit 0 and a usage line,
# and rejects an unknown flag with exit 2.
for cmd in $($EXAONE --help | awk '/^commands:/{on=1; next} /^$/{on=0} on {print $1}'); do
    expect_output "usage: exaone $cmd" $EXAONE $cmd --help
    expect_stderr "unknown option" 2 $EXAONE $cmd --no-such-flag-xyz
done
finish
