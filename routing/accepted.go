package routing

import (
	"strconv"
	"strings"
	"time"
)

// HandleAccepted registers what follows an advocate's accept of a conversation on channel ch:
// the accept script itself schedules two timers in the same step as the accept, so that neither
// depends on the accepting console or process living on. connect is due at once and runs in
// exactly one process (ringing the advocate's phone, say); check is due checkAfter later, the
// safety net for a connect that never completed. Both get "conversation|advocate|acceptedAtMs",
// where acceptedAtMs is the accept's Conversation.AnsweredAt in Unix milliseconds, telling this
// accept from a later one. Call before Run and before any Accept; not safe to call concurrently
// with Accept.
func (t Timers) HandleAccepted(ch Channel, connect, check TimerFunc, checkAfter time.Duration) {
	e := t.e
	dial, net := acceptedKinds(ch)
	t.Handle(dial, connect)
	t.Handle(net, check)
	if e.accepted == nil {
		e.accepted = map[Channel]time.Duration{}
	}
	e.accepted[ch] = checkAfter
	var b strings.Builder
	for c, d := range e.accepted {
		b.WriteString(string(c) + "=" + strconv.FormatInt(d.Milliseconds(), 10) + ";")
	}
	e.acceptedArg = b.String()
}

// acceptedKinds are the timer kinds accept.lua writes for a channel (keep the two in step).
func acceptedKinds(ch Channel) (connect, check string) {
	return "accepted-" + string(ch), "accepted-" + string(ch) + "-check"
}
