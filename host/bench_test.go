package host

import (
	"strconv"
	"testing"
)

var pingPong = map[string]string{
	"main.lua": `return function(n)
		n = tonumber(n)
		local pong = process.spawn("pong", "app:processes")
		local inbox = process.inbox()
		for i = 1, n do
			process.send(pong, "ping", i)
			inbox:receive()
		end
		process.send(pong, "stop")
		return n
	end`,
	"pong.lua": `return function()
		local inbox = process.inbox()
		while true do
			local m = inbox:receive()
			if m:topic() == "stop" then return end
			process.send(m:from(), "pong", m:payload())
		end
	end`,
}

// BenchmarkPingPong reports one round trip between two processes, sandboxed
// and native side by side.
func BenchmarkPingPong(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			_, ten, _ := newTestRuntime(b, m.native, 2, writeBundle(b, pingPong))
			b.ResetTimer()
			_, exit, err := ten.Spawn("main", DefaultHost, Args(strconv.Itoa(b.N)))
			if err != nil {
				b.Fatal(err)
			}
			if e := wait(b, exit); e.Abnormal {
				b.Fatal(e.Error)
			}
		})
	}
}
