package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests of `moonbox run`. Each case of cliCases runs in-process
// through run(args, stdout, stderr) in every mode of runModes (the wasm
// sandbox and --native, each with --shards 1 and 3) and must give the same
// exit code and, after normalizing PIDs, the same stdout and stderr in all of
// them. Cases marked binary also run through the real binary, built once in
// TestMain, to prove the process exit codes.

// moonboxBin is the binary TestMain builds; buildErr why it could not.
var (
	moonboxBin string
	buildErr   error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "moonbox-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	moonboxBin = filepath.Join(dir, "moonbox")
	if out, err := exec.Command("go", "build", "-o", moonboxBin, ".").CombinedOutput(); err != nil {
		buildErr = fmt.Errorf("go build: %v\n%s", err, out)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runMode is one way of running every case: flags inserted after "run".
type runMode struct {
	name  string
	flags []string
}

var runModes = []runMode{
	{"sandbox/shards=1", []string{"--shards", "1"}},
	{"sandbox/shards=3", []string{"--shards", "3"}},
	{"native/shards=1", []string{"--native", "--shards", "1"}},
	{"native/shards=3", []string{"--shards", "3", "--native"}},
}

type cliCase struct {
	name string
	// args follow "run" and the mode's flags. With raw, args are the whole
	// command line and the case runs once, not per mode.
	args []string
	raw  bool
	code int
	// stdout: the exact stdout, unless stdoutRE (a regexp the whole stdout
	// must match) is set. stderr: substrings stderr must contain; a case with
	// no stderr entries must leave stderr empty.
	stdout   string
	stdoutRE string
	stderr   []string
	stderrRE string
	// stderrNot: substrings stderr must not contain.
	stderrNot []string
	// normalize rewrites stdout before the modes are compared with each
	// other (PIDs are always normalized).
	normalize func(string) string
	// binary: run through the built binary too, in the sandbox and --native
	// (default shards).
	binary bool
	// repeat runs the case this many times per mode in-process, binRepeat
	// this many times at once per mode through the binary (for races that
	// show only now and then; separate processes under load show them most).
	repeat, binRepeat int
}

// jsonCase is a case of testdata/bundle/values.lua: it exits with the value
// named which, and stdout must be exactly that value's JSON line.
func jsonCase(which, json string) cliCase {
	out := json + "\n"
	if json == "" {
		out = ""
	}
	return cliCase{name: "json/" + which, args: []string{"testdata/bundle", "values", which}, stdout: out}
}

// abnormal is a case of a process that exits abnormally with kind and a
// message containing msg.
func abnormal(name, id, kind, msg, stdout string) cliCase {
	return cliCase{
		name: "exit1/" + name, args: []string{"testdata/bundle", id}, code: exitAbnormal, stdout: stdout,
		stderr: []string{id + " exited abnormally", kind + ": ", msg},
	}
}

var tickRE = regexp.MustCompile(`(?m)^tick\n`)

var pingPongRate = regexp.MustCompile(`(?m)^\d+ round trips/s\n`)

var cliCases = []cliCase{
	// --- exit 0: the examples ---
	{
		name: "examples/hello", args: []string{"../../examples/hello"}, binary: true,
		stdoutRE: `^hello, world, from \{app:processes\|[^}]+\} \(main\)\n\{"greeted":"world"\}\n$`,
	},
	{
		name: "examples/hello/name", args: []string{"../../examples/hello", "main", "Zoë"},
		stdoutRE: `^hello, Zoë, from \{app:processes\|[^}]+\} \(main\)\n\{"greeted":"Zoë"\}\n$`,
	},
	{
		name: "examples/hello/file", args: []string{"../../examples/hello/main.lua", "bob"},
		stdoutRE: `^hello, bob, from \{app:processes\|[^}]+\} \(main\)\n\{"greeted":"bob"\}\n$`,
	},
	{
		name: "examples/ping-pong", args: []string{"../../examples/ping-pong", "main", "200"}, binary: true,
		stdoutRE:  `^200 round trips\n(\d+ round trips/s\n)?200\n$`,
		normalize: func(s string) string { return pingPongRate.ReplaceAllString(s, "") },
	},
	{
		name: "examples/ping-pong/file", args: []string{"../../examples/ping-pong/main.lua", "3"},
		stdoutRE:  `^3 round trips\n(\d+ round trips/s\n)?3\n$`,
		normalize: func(s string) string { return pingPongRate.ReplaceAllString(s, "") },
	},

	{
		name: "examples/backpressure/window", args: []string{"../../examples/backpressure", "main", "window", "500"},
		stdout: "window: 500 sent, 0 refused, 500 received in order\n500\n",
	},
	{
		name: "examples/backpressure/retry", args: []string{"../../examples/backpressure", "main", "retry", "500"},
		stdout: "retry: 500 sent, 0 refused, 500 received in order\n500\n",
	},

	// --- bundles, process IDs and arguments ---
	{name: "bundle/default-main", args: []string{"testdata/bundle"}, stdout: "main: 0 args\n[]\n"},
	{name: "bundle/explicit-main", args: []string{"testdata/bundle", "main", "x", "y"}, stdout: "main: 2 args\n[\"x\",\"y\"]\n"},
	{
		name: "bundle/dotted-id", args: []string{"testdata/bundle", "a.b:c", "one", "2"},
		stdout: "running a.b:c\n{\"args\":[\"one\",\"2\"],\"id\":\"a.b:c\"}\n",
	},
	{
		name: "bundle/trailing-slash", args: []string{"testdata/bundle/", "a.b:c"},
		stdout: "running a.b:c\n{\"args\":[],\"id\":\"a.b:c\"}\n",
	},
	{
		// After a .lua file everything is an argument (the file is the
		// process), strings even if they look like a process ID or a
		// number; after -- even if they look like flags.
		name: "file/args", args: []string{"testdata/bundle/echo.lua", "x", "y z", "", "--", "-x", "--native", "main", "42"}, binary: true,
		stdout: "1 string \"x\"\n2 string \"y z\"\n3 string \"\"\n4 string \"-x\"\n5 string \"--native\"\n6 string \"main\"\n7 string \"42\"\n" +
			`["x","y z","","-x","--native","main","42"]` + "\n",
	},
	{name: "file/first-arg-is-an-arg", args: []string{"testdata/bundle/echo.lua", "main"}, stdout: "1 string \"main\"\n[\"main\"]\n"},

	// --- flags anywhere before --, nothing after it ---
	{
		// The issue's `moonbox run examples/ping-pong main 10 --timeout 1s`.
		name: "flags/after-args", args: []string{"testdata/bundle", "main", "x", "--timeout", "10m", "y"}, binary: true,
		stdout: "main: 2 args\n[\"x\",\"y\"]\n",
	},
	{name: "flags/after-bundle", args: []string{"testdata/bundle", "--timeout=10m"}, stdout: "main: 0 args\n[]\n"},
	{name: "flags/after-file", args: []string{"testdata/bundle/echo.lua", "a", "--quiet"}, stdout: "1 string \"a\"\n[\"a\"]\n"},
	{name: "flags/double-dash", args: []string{"testdata/bundle", "main", "--", "--timeout", "-5"}, stdout: "main: 2 args\n[\"--timeout\",\"-5\"]\n"},
	{name: "flags/double-dash-twice", args: []string{"testdata/bundle", "--", "main", "--"}, stdout: "main: 1 args\n[\"--\"]\n"},
	{
		name: "exit2/flag-looking-arg", args: []string{"testdata/bundle", "main", "-5"}, code: exitUsage, binary: true,
		stderr: []string{"moonbox run: flag provided but not defined: -5\nmoonbox run: if -5 is an argument, put it after --: moonbox run ... -- -5\nusage: moonbox run"},
	},
	{
		name: "exit2/flag-after-args-bad-value", args: []string{"testdata/bundle", "main", "x", "--timeout", "soon"}, code: exitUsage,
		stderr: []string{"timeout", "usage: moonbox run"},
	},
	{name: "file/no-args", args: []string{"testdata/bundle/echo.lua"}, stdout: "[]\n"},
	{name: "file/unicode-arg", args: []string{"testdata/bundle/main.lua", "日本語 ✓"}, stdout: "main: 1 args\n[\"日本語 ✓\"]\n"},
	{
		name: "file/in-subdir", args: []string{"testdata/bundle/a/b/c.lua", "q"},
		stdout: "running c\n{\"args\":[\"q\"],\"id\":\"c\"}\n",
	},
	{name: "timeout-not-reached", args: []string{"--timeout", "10m", "testdata/bundle", "main", "t"}, stdout: "main: 1 args\n[\"t\"]\n"},

	// --- output order: every print before the JSON line ---
	{
		name: "order/print-then-json", args: []string{"testdata/bundle", "order"}, binary: true,
		stdout: "first\nsecond\t2\ttrue\tnil\nchild 1\nchild 2\nchild 3\nlast\n{\"child\":3,\"done\":true}\n",
	},
	{
		name: "order/many-lines", args: []string{"testdata/bundle", "order", "300"},
		stdout: "first\nsecond\t2\ttrue\tnil\n" + numberedLines("child", 300) + "last\n{\"child\":300,\"done\":true}\n",
	},
	{
		// Processes still running when the spawned one exits may print
		// until the runtime closes, but never after its JSON line.
		name: "order/json-line-last", args: []string{"testdata/bundle", "chatty"},
		stdoutRE:  `^(tick\n)*main done\n(tick\n)*"done"\n$`,
		normalize: func(s string) string { return tickRE.ReplaceAllString(s, "") },
		repeat:    2, binary: true, binRepeat: 5,
	},
	{
		// The CLI's process must be addressable from its first instruction:
		// a child that sends to it at once must not get NOT_FOUND.
		name: "race/early-reply", args: []string{"testdata/bundle", "race:early_reply"}, binary: true, binRepeat: 16,
		stdout: "{\"payload\":1,\"topic\":\"hi\"}\n",
	},

	// --- JSON rendering of exit values ---
	jsonCase("nil", ""),
	jsonCase("true", "true"),
	jsonCase("false", "false"),
	jsonCase("integer", "42"),
	jsonCase("negative", "-7"),
	jsonCase("float", "1.5"),
	jsonCase("numbers", "[3,1.5,-7,9007199254740992,1e+300,0.1,2.5,5,-2147483648]"),
	jsonCase("infinities", `["+Inf","-Inf"]`),
	jsonCase("string", `"plain"`),
	jsonCase("unicode", `"héllo ✓ 😀 日本語 ñ"`),
	jsonCase("escapes", `"quote\" backslash\\ newline\n tab\t bell\u0007"`),
	jsonCase("binary", `"/wAB"`), // not UTF-8: base64
	jsonCase("empty_string", `""`),
	jsonCase("array", "[1,2,3]"),
	jsonCase("strings", `["a","b","c"]`),
	jsonCase("empty", "[]"),
	jsonCase("nested_arrays", "[[1],[2,[3,[4]]],[]]"),
	jsonCase("object", `{"a":2,"b":1,"c":"three"}`),
	jsonCase("nested", `{"list":[{"name":"a"},{"name":"b"}],"x":{"y":{"z":[1,2,{"deep":true}]}}}`),
	jsonCase("mixed", `{"1":1,"2":2,"x":3}`),
	jsonCase("sparse", `{"1":"one","3":"three"}`),
	jsonCase("number_keys", `{"10":"ten","2":"two"}`),
	jsonCase("float_key", `{"1.5":"x"}`),
	jsonCase("bool_keys", `{"false":"no","true":"yes"}`),
	jsonCase("booleans", `{"f":false,"list":[true,false],"t":true}`),
	jsonCase("error", `{"error":"no such thing","kind":"NOT_FOUND"}`),
	jsonCase("error_whole", `{"details":{"after_ms":250},"error":"busy","kind":"UNAVAILABLE","retryable":true}`),
	jsonCase("error_nested", `{"err":{"error":"denied","kind":"PERMISSION_DENIED"},"list":[{"error":"slow","kind":"TIMEOUT"}]}`),
	jsonCase("api_error", `{"error":"no process {app:processes|0xdeadbeef}","kind":"NOT_FOUND"}`),

	// --- exit 1: abnormal exits, kind and message on stderr, no JSON line ---
	func() cliCase {
		c := abnormal("error", "fail:error", "UNKNOWN", "kaboom", "before the error\n")
		c.binary = true
		return c
	}(),
	abnormal("error-object", "fail:errobj", "PERMISSION_DENIED", "no way", ""),
	abnormal("nil-err", "fail:nil_err", "NOT_FOUND", "gone missing", ""),
	abnormal("assert-error-object", "fail:assert_errobj", "NOT_FOUND", "gone missing", ""),
	abnormal("nil-string", "fail:nil_string", "UNKNOWN", "plain failure", ""),
	abnormal("runtime-error", "fail:runtime", "UNKNOWN", "attempt to index", ""),
	abnormal("function-value", "fail:function", "INVALID", "function", ""),
	abnormal("too-deep-value", "fail:too_deep", "INVALID", "nested deeper", ""),
	abnormal("linked-failure", "fail:linked", "", "linked process failed", ""),
	abnormal("terminate-self", "fail:terminate_self", "", "terminated", ""),
	{
		name: "exit1/values-unknown", args: []string{"testdata/bundle/values.lua", "no-such-case"}, code: exitAbnormal,
		stderr: []string{"values exited abnormally", "unknown case no-such-case"},
	},

	// --- exit 2: usage and bundle errors ---
	{name: "exit2/no-args", args: nil, raw: true, code: exitUsage, binary: true, stderr: []string{"usage: moonbox"}},
	{name: "exit2/unknown-command", args: []string{"frobnicate"}, raw: true, code: exitUsage, binary: true, stderr: []string{`unknown command "frobnicate"`, "usage: moonbox"}},
	{name: "exit2/run-no-bundle", args: nil, code: exitUsage, stderr: []string{"usage: moonbox run"}},
	{name: "exit2/unknown-flag", args: []string{"--bogus", "testdata/bundle"}, code: exitUsage, binary: true, stderr: []string{"bogus", "usage: moonbox run"}},
	{name: "exit2/bad-shards", args: []string{"--shards", "many", "testdata/bundle"}, code: exitUsage, stderr: []string{"shards"}},
	{name: "exit2/bad-timeout", args: []string{"--timeout", "soon", "testdata/bundle"}, code: exitUsage, stderr: []string{"timeout"}},
	{name: "exit2/missing-bundle", args: []string{"testdata/no-such-bundle"}, code: exitUsage, binary: true, stderr: []string{"testdata/no-such-bundle", "no such file or directory"}},
	{name: "exit2/missing-lua-file", args: []string{"testdata/bundle/nope.lua", "x"}, code: exitUsage, stderr: []string{"testdata/bundle/nope.lua", "no such file or directory"}},
	{name: "exit2/not-lua", args: []string{"testdata/notlua.txt"}, code: exitUsage, stderr: []string{"testdata/notlua.txt", "not a directory or a .lua file"}},
	{name: "exit2/missing-process", args: []string{"testdata/bundle", "no.such:process"}, code: exitUsage, stderr: []string{"no.such:process", "not found", filepath.Join("no", "such", "process.lua")}},
	{name: "exit2/missing-main", args: []string{"testdata/bundle/a"}, code: exitUsage, stderr: []string{"main", "not found"}},
	{name: "exit2/bad-process-id", args: []string{"testdata/bundle", "../bundle/main"}, code: exitUsage, stderr: []string{"../bundle/main"}},
	{
		// A syntax error reads like a compiler's: the file as the user
		// can open it, line and column.
		name: "exit2/syntax-error", args: []string{"testdata/bundle", "broken:syntax"}, code: exitUsage, binary: true,
		stderr: []string{"moonbox: testdata/bundle/broken/syntax.lua:3:13: syntax error near '='\n"},
	},
	{
		name: "exit2/syntax-error-file", args: []string{"testdata/bundle/broken/syntax.lua"}, code: exitUsage,
		stderr: []string{"moonbox: testdata/bundle/broken/syntax.lua:3:13: syntax error near '='\n"},
	},
	{
		// A child's syntax error is the spawn's error in Lua, naming the file in the bundle.
		name: "exit1/syntax-error-child", args: []string{"testdata/bundle", "spawn_broken"}, code: exitAbnormal,
		stderr: []string{"spawn_broken exited abnormally: INVALID: broken/syntax.lua:3:13: syntax error near '='"},
	},
	{
		name: "exit2/tenant-yaml-tab", args: []string{"testdata/tab-indent"}, code: exitUsage, binary: true,
		stderr: []string{"moonbox: testdata/tab-indent/tenant.yaml:3:1: tabs are not allowed for indentation: indent with spaces\n"},
	},
	abnormal("exit-value-too-big", "fail:huge_exit", "INVALID", "exit value of 2097157 bytes is larger than the limit of 1048576 bytes", ""),

	// --- exit 3: every process blocked, said at once, with what each waits on ---
	{
		name: "exit3/wait-forever", args: []string{"--timeout", "10m", "testdata/bundle", "wait"}, code: exitBlocked, binary: true,
		stderr: []string{blockedMessage + "\nmoonbox: 1 process is still alive:\n  wait {PID}: receive on its inbox\n"},
	},
	{
		name: "exit3/wait-forever-file", args: []string{"testdata/bundle/wait.lua", "arg"}, code: exitBlocked,
		stderr: []string{blockedMessage, "  wait {PID}: receive on its inbox\n"},
	},
	{
		// The silent failure: a client dies on a full mailbox
		// (assert(process.send(...))), main waits for it forever.
		name: "exit3/client-dies-on-full-mailbox", args: []string{"testdata/flood"}, code: exitBlocked, binary: true,
		stderr: []string{
			"moonbox: tenant flood: client {PID} exited abnormally: UNAVAILABLE: mailbox of {PID} is full (100 messages)\n" +
				blockedMessage + "\nmoonbox: 2 processes are still alive:\n  main {PID}: receive on its inbox\n" +
				"  sink {PID}: receive on its events (100 messages not taken from its mailbox)\n",
		},
	},
	{
		name: "exit3/quiet", args: []string{"--quiet", "testdata/flood"}, code: exitBlocked,
		stderr:    []string{blockedMessage + "\nmoonbox: 2 processes are still alive:\n  main {PID}: receive on its inbox\n"},
		stderrNot: []string{"exited abnormally"},
	},
	{
		name: "exit3/client-dies", args: []string{"testdata/bundle", "stuck:client_dies"}, code: exitBlocked,
		stderr: []string{
			"moonbox: tenant default: stuck:failing_client {PID} exited abnormally: UNKNOWN: stuck:failing_client:2: could not reach the server true\n",
			"  stuck:client_dies {PID}: receive on its inbox\n",
		},
	},
	{
		name: "exit3/every-wait", args: []string{"testdata/bundle", "stuck:call_cycle"}, code: exitBlocked,
		stderr: []string{
			"moonbox: 2 processes are still alive:\n" +
				"  stuck:call_cycle {PID}: process.call: waits for {PID} to exit; coroutine: a channel of its own (channel.new); " +
				"coroutine: receive on process.listen(\"job\"); coroutine: select: receive on its events or a channel of its own (channel.new); " +
				"coroutine: send on a full channel of its own (channel.new)\n" +
				"  stuck:call_cycle {PID}: receive on its inbox\n",
		},
	},

	// --- exit 124: --timeout expires, with what is still alive ---
	{
		name: "exit124/sleep-forever", args: []string{"--timeout", "200ms", "testdata/bundle", "sleeper"}, code: exitTimeout, binary: true,
		stderr: []string{"moonbox: sleeper still running after 200ms\nmoonbox: 1 process is still alive:\n  sleeper {PID}: a timer (time.sleep or time.after)"},
	},
	{
		name: "exit124/compute-forever-file", args: []string{"--timeout", "50ms", "testdata/bundle/busy.lua", "arg"}, code: exitTimeout,
		stderr: []string{"moonbox: busy still running after 50ms\nmoonbox: 1 process is still alive:\n  busy {PID}: runnable\n"},
	},

	// --- moonbox policy: 0 ok, 1 problems found (explain: denied), 2 usage ---
	{name: "policy/no-args", args: []string{"policy"}, raw: true, code: exitUsage, stderr: []string{"usage: moonbox policy check"}},
	{name: "policy/help", args: []string{"policy", "-h"}, raw: true, stdoutRE: `^usage: moonbox policy check \[--strict\]`},
	{name: "policy/check-help", args: []string{"policy", "check", "-h"}, raw: true, binary: true, stderrRE: `^usage: moonbox policy check \[--strict\]`},
	{name: "policy/unknown-subcommand", args: []string{"policy", "lint", "x"}, raw: true, code: exitUsage, stderr: []string{`unknown subcommand "lint"`}},
	{name: "policy/check-two-paths", args: []string{"policy", "check", "a", "b"}, raw: true, code: exitUsage, stderr: []string{"usage: moonbox policy"}},
	{
		name: "policy/check-missing", args: []string{"policy", "check", "testdata/nope"}, raw: true, code: exitUsage, binary: true,
		stderr: []string{"moonbox policy check: testdata/nope: no such file or directory\n"},
	},
	{
		name: "policy/check-not-a-bundle", args: []string{"policy", "check", "testdata"}, raw: true, code: exitUsage,
		stderr: []string{"testdata has no tenant.yaml: give a tenant bundle or a policy file"},
	},
	{
		name: "policy/check-malformed", args: []string{"policy", "check", "testdata/notlua.txt"}, raw: true, code: exitAbnormal,
		stderr: []string{"testdata/notlua.txt:1: unknown line type"},
	},
	{
		name: "policy/check-ok", args: []string{"policy", "check", "../../examples/saas/acme"}, raw: true, binary: true,
		stdout: "../../examples/saas/acme/policy.csv: ok (9 rules, 0 role lines)\n",
	},
	{
		name: "policy/check-never-matches", args: []string{"policy", "check", "testdata/policy-typos"}, raw: true,
		stdout: "testdata/policy-typos/policy.csv: ok, 5 warnings (7 rules, 1 role lines)\n",
		stderr: []string{
			`testdata/policy-typos/policy.csv:2: warning: SUBJECT "mian" matches no source of the bundle, no role and no string of its sources: the rule never applies; did you mean "main"?`,
			`testdata/policy-typos/policy.csv:3: warning: RESOURCE "wroker" matches nothing process.spawn checks (source IDs): the rule never applies; did you mean "worker"?`,
			`testdata/policy-typos/policy.csv:4: warning: RESOURCE "app:proccesses" matches nothing process.host checks (host IDs: app:processes): the rule never applies; did you mean "app:processes"?`,
			`testdata/policy-typos/policy.csv:9: warning: SUBJECT "wokrer" matches no source of the bundle, no role and no string of its sources: nobody holds role readers through this line; did you mean "worker"?`,
			`testdata/policy-typos/policy.csv:10: warning: RESOURCE "contxt" matches nothing process.context checks ("context"): the rule never applies; did you mean "context"?`,
		},
		// auditor is set with with_actor in main.lua; readers is a role.
		stderrNot: []string{`"auditor"`, `"readers" matches`},
	},
	{
		name: "policy/check-strict", args: []string{"policy", "check", "testdata/policy-typos", "--strict"}, raw: true, code: exitAbnormal, binary: true,
		stdout: "testdata/policy-typos/policy.csv: 5 problems (--strict)\n",
		stderr: []string{`"mian"`},
	},
	{
		name: "policy/check-file-finds-its-bundle", args: []string{"policy", "check", "testdata/policy-typos/policy.csv"}, raw: true,
		stdout: "testdata/policy-typos/policy.csv: ok, 5 warnings (7 rules, 1 role lines)\n", stderr: []string{`"mian"`},
		stderrNot: []string{"note:"},
	},
	{
		name: "policy/check-file-alone", args: []string{"policy", "check", "testdata/policy-alone/policy.csv"}, raw: true,
		stdout: "testdata/policy-alone/policy.csv: ok (1 rules, 0 role lines)\n",
		stderr: []string{"testdata/policy-alone/policy.csv: note: no tenant.yaml names this file (in its directory or above): the file is checked alone"},
	},
	{
		name: "policy/check-no-policy", args: []string{"policy", "check", "../../examples/saas/intruder"}, raw: true,
		stdout: "../../examples/saas/intruder/tenant.yaml: ok (no policy file: every request is allowed)\n",
	},
	{
		name: "policy/check-no-policy-strict", args: []string{"policy", "check", "--strict", "../../examples/saas/intruder"}, raw: true, code: exitAbnormal,
		stdout: "../../examples/saas/intruder/tenant.yaml: 1 problem (--strict)\n",
		stderr: []string{"warning: tenant intruder has no policy: every process may do everything inside the tenant"},
	},
	{
		name: "policy/explain-typo", args: []string{"policy", "explain", "../../examples/saas/acme", "client", "process.sned", "api"}, raw: true, code: exitUsage, binary: true,
		stderr: []string{`moonbox policy explain: unknown action "process.sned": did you mean process.send?`},
	},
	{
		// Outside process.* an action is the application's own: no rule for it is a deny, not a typo.
		name: "policy/explain-application-action", args: []string{"policy", "explain", "../../examples/saas/acme", "client", "invoice.read", "api"}, raw: true, code: exitAbnormal,
		stdout: "deny: no rule matches client\n",
	},
	{
		name: "policy/explain-allow", args: []string{"policy", "explain", "../../examples/saas/acme", "client", "process.send", "api"}, raw: true,
		stdout: "allow: line 8 (p, client, process.send, api, allow) for client on api\n",
	},
	{name: "policy/explain-too-few", args: []string{"policy", "explain", "../../examples/saas/acme", "client"}, raw: true, code: exitUsage, stderr: []string{"usage: moonbox policy"}},

	// --- other commands ---
	{name: "version", args: []string{"version"}, raw: true, stdoutRE: `^moonbox \S+\n$`},
}

func numberedLines(prefix string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s %d\n", prefix, i)
	}
	return b.String()
}

// lockedBuffer is an io.Writer safe for the runtime's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type result struct {
	code           int
	stdout, stderr string
}

// hangGuard only turns a hung run into a test failure instead of a panic of
// the whole package at go test's deadline; no test asserts on time.
const hangGuard = 30 * time.Second

// runInProcess calls run(args, stdout, stderr).
func runInProcess(t *testing.T, args []string) result {
	t.Helper()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(args, &stdout, &stderr) }()
	select {
	case code := <-done:
		return result{code, stdout.String(), stderr.String()}
	case <-time.After(hangGuard):
		t.Fatalf("moonbox %q did not return\nstdout:\n%s\nstderr:\n%s", args, stdout.String(), stderr.String())
		return result{}
	}
}

// runBinary runs the built binary and returns its process exit code.
func runBinary(t *testing.T, args []string) result {
	t.Helper()
	r, err := execBinary(args)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// execBinary is runBinary for any goroutine.
func execBinary(args []string) (result, error) {
	if buildErr != nil {
		return result{}, buildErr
	}
	cmd := exec.Command(moonboxBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-time.After(hangGuard):
		cmd.Process.Kill()
		<-waited
		return result{}, fmt.Errorf("moonbox %q did not exit\nstdout:\n%s\nstderr:\n%s", args, stdout.String(), stderr.String())
	}
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return result{}, fmt.Errorf("moonbox %q: %v", args, err)
		}
		code = exitErr.ExitCode()
	}
	return result{code, stdout.String(), stderr.String()}, nil
}

// check compares one run's result with the case's expectations.
func (c cliCase) check(t *testing.T, how string, args []string, r result) {
	t.Helper()
	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	defer func() {
		if len(problems) > 0 {
			t.Errorf("%s: moonbox %q:\n  %s\nexit code: %d\nstdout:\n%s\nstderr:\n%s",
				how, args, strings.Join(problems, "\n  "), r.code, r.stdout, r.stderr)
		}
	}()
	if r.code != c.code {
		fail("exit code %d, want %d", r.code, c.code)
	}
	switch {
	case c.stdoutRE != "":
		if !regexp.MustCompile(c.stdoutRE).MatchString(r.stdout) {
			fail("stdout does not match %s", c.stdoutRE)
		}
	case r.stdout != c.stdout:
		fail("stdout is %q, want %q", r.stdout, c.stdout)
	}
	if len(c.stderr) == 0 && c.stderrRE == "" && r.stderr != "" {
		fail("stderr is not empty")
	}
	for _, s := range c.stderr {
		if !strings.Contains(r.stderr, s) && !strings.Contains(pidRE.ReplaceAllString(r.stderr, "{PID}"), s) {
			fail("stderr does not contain %q", s)
		}
	}
	for _, s := range c.stderrNot {
		if strings.Contains(r.stderr, s) {
			fail("stderr contains %q", s)
		}
	}
	if c.stderrRE != "" && !regexp.MustCompile(c.stderrRE).MatchString(r.stderr) {
		fail("stderr does not match %s", c.stderrRE)
	}
	if c.code != exitOK && c.code != exitTimeout {
		// No exit value JSON after an abnormal exit or a usage error; only
		// the process's own prints (checked above) may be on stdout.
		if strings.HasPrefix(strings.TrimSpace(lastLine(r.stdout)), "{") {
			fail("stdout ends with what looks like an exit value")
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

var pidRE = regexp.MustCompile(`\{[A-Za-z0-9_.:-]+\|[^}|]+\}`)

// comparable is r with PIDs and the case's nondeterministic output rewritten,
// to compare the modes with each other.
func (c cliCase) comparable(r result) result {
	r.stdout = pidRE.ReplaceAllString(r.stdout, "{PID}")
	r.stderr = pidRE.ReplaceAllString(r.stderr, "{PID}")
	if c.normalize != nil {
		r.stdout = c.normalize(r.stdout)
	}
	return r
}

func TestRun(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range cliCases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %s", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.raw {
				c.check(t, "in-process", c.args, runInProcess(t, c.args))
				return
			}
			// --native and --shards change nothing a process can observe
			// through the CLI: every mode prints the same.
			var first result
			for i, m := range runModes {
				for n := 0; n < max(c.repeat, 1); n++ {
					args := append(append([]string{"run"}, m.flags...), c.args...)
					how := m.name
					if c.repeat > 1 {
						how = fmt.Sprintf("%s (run %d)", m.name, n+1)
					}
					r := runInProcess(t, args)
					c.check(t, how, args, r)
					if i == 0 && n == 0 {
						first = c.comparable(r)
					} else if r := c.comparable(r); r != first {
						t.Errorf("%s differs from %s:\n%s: exit %d\nstdout:\n%s\nstderr:\n%s\n%s: exit %d\nstdout:\n%s\nstderr:\n%s",
							how, runModes[0].name,
							runModes[0].name, first.code, first.stdout, first.stderr,
							how, r.code, r.stdout, r.stderr)
					}
				}
			}
		})
	}
}

// TestBinary runs the cases marked binary through the built executable: the
// exit codes are the process's real exit status. A case with binRepeat runs
// that many times at once in each mode: separate processes under load race
// differently from runs inside one test process.
func TestBinary(t *testing.T) {
	codes := map[int]bool{}
	for _, c := range cliCases {
		if !c.binary {
			continue
		}
		codes[c.code] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.raw {
				c.check(t, "binary", c.args, runBinary(t, c.args))
				return
			}
			// All runs of a case at once, as separate processes: races show
			// more often under load.
			type run struct {
				how  string
				args []string
				r    result
				err  error
			}
			var runs []*run
			for _, mode := range []string{"sandbox", "native"} {
				args := append([]string{"run"}, c.args...)
				if mode == "native" {
					args = append([]string{"run", "--native"}, c.args...)
				}
				for n := 0; n < max(c.binRepeat, 1); n++ {
					how := "binary " + mode
					if c.binRepeat > 1 {
						how = fmt.Sprintf("binary %s (run %d)", mode, n+1)
					}
					runs = append(runs, &run{how: how, args: args})
				}
			}
			var wg sync.WaitGroup
			for _, r := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.r, r.err = execBinary(r.args)
				}()
			}
			wg.Wait()
			for _, r := range runs {
				if r.err != nil {
					t.Error(r.err)
					continue
				}
				c.check(t, r.how, r.args, r.r)
			}
		})
	}
	for _, code := range []int{exitOK, exitAbnormal, exitUsage, exitBlocked, exitTimeout} {
		if !codes[code] {
			t.Errorf("no binary case exits %d", code)
		}
	}
}

// TestBinaryMatchesInProcess: the binary and run() print the same thing.
func TestBinaryMatchesInProcess(t *testing.T) {
	args := []string{"run", "testdata/bundle", "order", "5"}
	bin := runBinary(t, args)
	in := runInProcess(t, args)
	if bin != in {
		t.Fatalf("binary: exit %d\nstdout:\n%s\nstderr:\n%s\nin-process: exit %d\nstdout:\n%s\nstderr:\n%s",
			bin.code, bin.stdout, bin.stderr, in.code, in.stdout, in.stderr)
	}
}
