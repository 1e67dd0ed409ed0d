package policies

import (
	"fmt"
	"testing"
)

func TestSmoke(t *testing.T) {
	p, err := Parse("policy.csv", []byte("\uFEFF# hi\r\np, app.workers:*, process.send, app.db:*, allow\r\np, admin, process.*, **, allow\ng, app.ops:*, admin\np, *, process.terminate, {app:processes|0x0001a.t1.n0}, deny\n"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(p)
	pid := "{app:processes|0x0001a.t1.n0}"
	for _, r := range []Request{
		{Subject: "app.workers:h", Action: ActionSend, Resources: []string{pid, "app.db:x"}},
		{Subject: "app.workers:h", Action: ActionSend, Resources: []string{pid, "app.dc:x"}},
		{Subject: "app.ops:x", Action: ActionTerminate, Resources: []string{pid, "app.dc:x"}},
		{Subject: "app.ops:x", Action: ActionTerminate, Resources: []string{"{app:processes|0x0001b.t1.n0}", "app.dc:x"}},
		{Subject: "app.ops:x", Scope: []string{"nobody", "admin"}, Action: ActionTerminate, Resources: []string{"{app:processes|0x0001b.t1.n0}", "app.dc:x"}},
	} {
		fmt.Println(p.Decide(r))
	}
	_, err = Parse("bad.csv", []byte(", x, process.send, *, allow\np, a, process.sned, [x, maybe\ng, a, b*\np,a\n\n"))
	fmt.Println(err)
}
