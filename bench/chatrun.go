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

// runChat measures the web chat holding cfg.Visitors visitors who started a chat, with
// cfg.Advocates advocates answering.
func runChat(ctx context.Context, e *routing.Engine, cfg ChatConfig) (Result, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := webchat.New(e, webchat.Config{
		ConnectionsPerIP:  cfg.Visitors + 100,
		MessagesPerMinute: 1 << 20,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return Result{}, 0, err
	}
	go ch.Run(ctx)
	url, stop, err := serve(ctx, ch)
	if err != nil {
		return Result{}, 0, err
	}
	defer stop()

	cs := newClients()
	defer cs.close()
	before := heapNow()
	hello, _ := json.Marshal(map[string]any{"type": webchat.TypeStart, "language": "en", "consent": true})
	if err := cs.dial(ctx, url+"/chat/ws", cfg.Visitors, hello); err != nil {
		return Result{}, 0, err
	}
	deadline := time.Now().Add(time.Minute + time.Duration(cfg.Visitors)*time.Millisecond)
	for cs.sessions.Load() < int64(cfg.Visitors) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return Result{}, 0, fmt.Errorf("only %d of %d chats started", cs.sessions.Load(), cfg.Visitors)
		}
		time.Sleep(20 * time.Millisecond)
	}
	held := heapNow()

	if err := startAdvocates(ctx, e, cfg.Advocates); err != nil {
		return Result{}, 0, err
	}
	res, err := cs.time(ctx, cfg)
	res.BytesPerConn = float64(held-min(before, held)) / float64(cfg.Visitors)
	return res, cs.replies.Load(), err
}

// startAdvocates signs in n simulated advocates who keep their presence, accept every offer and
// answer every visitor message of their chats, as a console would.
func startAdvocates(ctx context.Context, e *routing.Engine, n int) error {
	from, err := e.LastEventID(ctx)
	if err != nil {
		return err
	}
	mine := map[string]bool{}
	for i := range n {
		id := "bench-" + strconv.Itoa(i)
		mine[id] = true
		a := routing.Advocate{ID: id, Name: id, Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.Chat}}
		if err := e.PutAdvocate(ctx, a); err != nil {
			return err
		}
		if err := e.Heartbeat(ctx, id); err != nil {
			return err
		}
		if err := e.SetStatus(ctx, id, routing.Available); err != nil {
			return err
		}
		go advocate(ctx, e, id)
	}
	go console(ctx, e, from, mine)
	return nil
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
			e.Heartbeat(ctx, id)
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
