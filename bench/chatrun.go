package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/openhotline/hotline/channels/webchat"
	"github.com/openhotline/hotline/routing"
)

// runChat measures the web chat holding o.Visitors visitors who started a chat, with
// o.Advocates advocates answering.
func runChat(ctx context.Context, e *routing.Engine, o ChatOptions) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := webchat.New(e, e.Space("chat"), webchat.Config{
		ConnectionsPerIP:  o.Visitors + 100,
		StartsPerMinute:   o.Visitors + 100, // every simulated visitor comes from loopback
		MessagesPerMinute: 1 << 20,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return Result{}, err
	}
	go ch.Run(ctx)
	url, stop, err := serve(ctx, ch)
	if err != nil {
		return Result{}, err
	}
	defer stop()

	cs := newClients()
	defer cs.close()
	before := heapNow()
	hello, _ := json.Marshal(map[string]any{"type": webchat.TypeStart, "language": "en", "consent": true})
	if err := cs.dial(ctx, url+"/chat/ws", o.Visitors, hello); err != nil {
		return Result{}, err
	}
	deadline := time.Now().Add(time.Minute + time.Duration(o.Visitors)*time.Millisecond)
	for cs.sessions.Load() < int64(o.Visitors) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return Result{}, fmt.Errorf("only %d of %d chats started", cs.sessions.Load(), o.Visitors)
		}
		time.Sleep(20 * time.Millisecond)
	}
	held := heapNow()

	ids, err := startAdvocates(ctx, e, o.Advocates)
	if err != nil {
		return Result{}, err
	}
	if err := waitBusy(ctx, e, ids, min(o.Visitors, o.Advocates*e.Config().TextCapacity)); err != nil {
		return Result{}, err
	}
	res := cs.time(ctx, ChatMessage, o.Messages, o.Senders)
	perConn(&res, before, held, o.Visitors)
	res.Extra["advocate_replies_delivered"] = float64(cs.replies.Load())
	return res, nil
}

// startAdvocates signs in n simulated advocates who keep their presence, accept every offer and
// answer every visitor message of their chats, as a console would.
func startAdvocates(ctx context.Context, e *routing.Engine, n int) ([]string, error) {
	from, err := e.LastEventID(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	mine := map[string]bool{}
	for i := range n {
		id := "bench-" + strconv.Itoa(i)
		mine[id] = true
		ids = append(ids, id)
		a := routing.Advocate{ID: id, Name: id, Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.Chat}}
		if err := e.Roster().Put(ctx, a); err != nil {
			return nil, err
		}
		if err := e.Roster().Heartbeat(ctx, id); err != nil {
			return nil, err
		}
		if err := e.Roster().SetStatus(ctx, id, routing.Available); err != nil {
			return nil, err
		}
		go advocate(ctx, e, id)
	}
	go console(ctx, e, from, mine)
	return ids, nil
}

// waitBusy waits until the advocates hold n chats between them: the timed messages then meet
// advocates at work.
func waitBusy(ctx context.Context, e *routing.Engine, ids []string, n int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		held := 0
		for _, id := range ids {
			cs, err := e.Assigned(ctx, id)
			if err != nil {
				return err
			}
			held += len(cs)
		}
		if held >= n {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the advocates took %d chats of %d", held, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func advocate(ctx context.Context, e *routing.Engine, id string) {
	beat := time.NewTicker(e.Config().PresenceTTL / 3)
	poll := time.NewTicker(50 * time.Millisecond)
	defer beat.Stop()
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			e.Roster().Heartbeat(ctx, id)
		case <-poll.C:
			offers, _ := e.Offers(ctx, id)
			for _, o := range offers {
				e.Accept(ctx, id, o.ConversationID)
			}
		}
	}
}

// console follows the events stream and answers each visitor message in a chat held by one of
// the simulated advocates.
func console(ctx context.Context, e *routing.Engine, after string, mine map[string]bool) {
	for ctx.Err() == nil {
		evs, _, err := e.ReadEvents(ctx, after, 500, time.Second)
		if err != nil {
			continue
		}
		for _, ev := range evs {
			after = ev.ID
			if ev.Type == routing.EvMessage && ev.Message != nil && ev.Message.Direction == routing.In && mine[ev.Advocate] {
				e.Send(ctx, ev.Advocate, ev.Conversation, "thank you for writing; I am here")
			}
		}
	}
}
