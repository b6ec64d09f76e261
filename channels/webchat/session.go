package webchat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Redis state of a chat, beside routing's:
//
//	chat:tok:<sha256(token)>  string → conversation id; expires a grace period after the visitor's
//	                          last connection went away (refreshed while one is open)
//	chat:sess:<conv>          hash: tok (the token hash), lang, spoke (set once the visitor wrote);
//	                          removed when the chat ends
//	chat:live:<conv>          string → id of the connection holding the chat; short lease
//	chat:ip:<hmac(ip)>        zset connection id → lease expiry: concurrent connections per address
//	chat:starts:<hmac(ip)>    counter of chats started from an address in a minute its first start opened
//
// The timer "chat.grace" with the conversation id as argument ends a chat whose visitor stayed
// away: while a connection is live it just re-arms itself.
const graceTimer = "chat.grace"

var (
	//go:embed release.lua
	releaseLua    string
	releaseScript = redis.NewScript(releaseLua)
	//go:embed iplimit.lua
	ipLimitLua    string
	ipLimitScript = redis.NewScript(ipLimitLua)
	//go:embed startlimit.lua
	startLimitLua    string
	startLimitScript = redis.NewScript(startLimitLua)
)

// sessionTTL bounds the session hash when nothing else removes it.
const sessionTTL = 24 * time.Hour

func (ch *Chat) tokKey(hash string) string  { return ch.space.Key("tok", hash) }
func (ch *Chat) sessKey(conv string) string { return ch.space.Key("sess", conv) }
func (ch *Chat) liveKey(conv string) string { return ch.space.Key("live", conv) }
func (ch *Chat) ipKey(ip string) string     { return ch.space.Key("ip", ch.space.Lookup("chat-ip", ip)) }

// liveTTL is how long a connection's leases last without a keep-alive.
func (ch *Chat) liveTTL() time.Duration { return 3 * ch.cfg.PingInterval }

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails on supported systems
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newSession records a resume token for conv, held by the live connection connID.
func (ch *Chat) newSession(ctx context.Context, conv, lang, connID string) (token, tokHash string, err error) {
	token = newToken()
	tokHash = hashToken(token)
	_, err = ch.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, ch.tokKey(tokHash), conv, ch.cfg.GracePeriod+ch.liveTTL())
		p.HSet(ctx, ch.sessKey(conv), "tok", tokHash, "lang", lang)
		p.Expire(ctx, ch.sessKey(conv), sessionTTL)
		p.Set(ctx, ch.liveKey(conv), connID, ch.liveTTL())
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("webchat: new session: %w", err)
	}
	if err := ch.armGrace(ctx, conv); err != nil {
		return "", "", err
	}
	return token, tokHash, nil
}

// errNoSession means a resume token is unknown or expired.
var errNoSession = errors.New("webchat: no such session")

// resumeSession finds the chat of a resume token and makes connID its live connection.
func (ch *Chat) resumeSession(ctx context.Context, token, connID string) (conv, lang string, err error) {
	tokHash := hashToken(token)
	conv, err = ch.rdb.Get(ctx, ch.tokKey(tokHash)).Result()
	if errors.Is(err, redis.Nil) {
		return "", "", errNoSession
	}
	if err != nil {
		return "", "", fmt.Errorf("webchat: resume: %w", err)
	}
	var langCmd *redis.StringCmd
	_, err = ch.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		langCmd = p.HGet(ctx, ch.sessKey(conv), "lang")
		p.Set(ctx, ch.liveKey(conv), connID, ch.liveTTL())
		p.PExpire(ctx, ch.tokKey(tokHash), ch.cfg.GracePeriod+ch.liveTTL())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", "", fmt.Errorf("webchat: resume: %w", err)
	}
	return conv, langCmd.Val(), nil
}

// releaseSession is called when a connection holding conv goes away: the token now lives for
// the grace period only, and the grace timer is armed. Another connection may have taken over
// the chat meanwhile; then nothing changes. A chat in which the visitor never wrote gets the
// short grace: a dropped widget comes back within seconds, and the leftovers of a flood of empty
// chats leave the line soon rather than keep advocates' offers busy.
func (ch *Chat) releaseSession(ctx context.Context, conv, tokHash, connID string) error {
	released, err := releaseScript.Run(ctx, ch.rdb, []string{ch.liveKey(conv)}, connID).Int()
	if err != nil {
		return fmt.Errorf("webchat: release %s: %w", conv, err)
	}
	if released == 0 {
		return nil
	}
	spoke, err := ch.rdb.HExists(ctx, ch.sessKey(conv), "spoke").Result()
	if err != nil {
		return fmt.Errorf("webchat: release %s: %w", conv, err)
	}
	grace := ch.cfg.GracePeriod
	if !spoke {
		grace = ch.cfg.EmptyGracePeriod
	}
	if err := ch.rdb.PExpire(ctx, ch.tokKey(tokHash), grace).Err(); err != nil {
		return fmt.Errorf("webchat: release %s: %w", conv, err)
	}
	return ch.armGraceIn(ctx, conv, grace)
}

// markSpoke records that the visitor of conv wrote: from now on a dropped connection gets the
// whole grace period.
func (ch *Chat) markSpoke(ctx context.Context, conv string) error {
	_, err := ch.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, ch.sessKey(conv), "spoke", "1")
		p.Expire(ctx, ch.sessKey(conv), sessionTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("webchat: mark %s: %w", conv, err)
	}
	return nil
}

func (ch *Chat) armGrace(ctx context.Context, conv string) error {
	return ch.armGraceIn(ctx, conv, ch.cfg.GracePeriod)
}

func (ch *Chat) armGraceIn(ctx context.Context, conv string, grace time.Duration) error {
	at := ch.e.Config().Now().Add(grace)
	if err := ch.e.Timers().Schedule(ctx, graceTimer, conv, at); err != nil {
		return fmt.Errorf("webchat: arm grace timer %s: %w", conv, err)
	}
	return nil
}

// endSession forgets a finished chat: its token no longer resumes anything.
func (ch *Chat) endSession(ctx context.Context, conv string) error {
	tokHash, err := ch.rdb.HGet(ctx, ch.sessKey(conv), "tok").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("webchat: end session %s: %w", conv, err)
	}
	keys := []string{ch.sessKey(conv), ch.liveKey(conv), ch.pos0Key(conv)}
	if tokHash != "" {
		keys = append(keys, ch.tokKey(tokHash))
	}
	if err := ch.rdb.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("webchat: end session %s: %w", conv, err)
	}
	if err := ch.e.Timers().Unschedule(ctx, graceTimer, conv); err != nil {
		return fmt.Errorf("webchat: end session %s: %w", conv, err)
	}
	return nil
}

// windDownSession is endSession for a chat that ended on the hotline's side: the token keeps
// resuming (to the end) for the grace period, then is forgotten.
func (ch *Chat) windDownSession(ctx context.Context, conv string) error {
	tokHash, err := ch.rdb.HGet(ctx, ch.sessKey(conv), "tok").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("webchat: wind down session %s: %w", conv, err)
	}
	_, err = ch.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, ch.liveKey(conv), ch.pos0Key(conv))
		p.PExpire(ctx, ch.sessKey(conv), ch.cfg.GracePeriod)
		if tokHash != "" {
			p.PExpire(ctx, ch.tokKey(tokHash), ch.cfg.GracePeriod)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("webchat: wind down session %s: %w", conv, err)
	}
	if err := ch.e.Timers().Unschedule(ctx, graceTimer, conv); err != nil {
		return fmt.Errorf("webchat: wind down session %s: %w", conv, err)
	}
	return nil
}

// graceExpired runs when a chat's grace timer fires, in one process cluster-wide. A chat with a
// live connection re-arms the timer; otherwise the visitor has been gone a whole grace period and
// the conversation is ended (a waiting one is abandoned).
func (ch *Chat) graceExpired(ctx context.Context, conv string) error {
	n, err := ch.rdb.Exists(ctx, ch.liveKey(conv)).Result()
	if err != nil {
		return fmt.Errorf("webchat: grace %s: %w", conv, err)
	}
	if n > 0 {
		return ch.armGrace(ctx, conv)
	}
	c, err := ch.e.Conversation(ctx, conv)
	switch {
	case routing.ErrorCode(err) == routing.ENotFound:
		return ch.endSession(ctx, conv)
	case err != nil:
		return fmt.Errorf("webchat: grace %s: %w", conv, err)
	}
	if c.State.Open() {
		if err := ch.e.End(ctx, conv, reasonGone); err != nil && routing.ErrorCode(err) != routing.EConflict {
			return fmt.Errorf("webchat: grace %s: %w", conv, err)
		}
		ch.log.Info("chat visitor gone past the grace period", "conversation", conv, "state", string(c.State))
	}
	return ch.endSession(ctx, conv)
}

// reasonGone is the end reason of a visitor who lost the connection and did not come back.
const reasonGone = "disconnected"

// admitIP takes one of the address's connection slots; false when all are held.
func (ch *Chat) admitIP(ctx context.Context, ip, connID string) (bool, error) {
	now := time.Now()
	ttl := ch.liveTTL()
	ok, err := ipLimitScript.Run(ctx, ch.rdb, []string{ch.ipKey(ip)},
		now.UnixMilli(), now.Add(ttl).UnixMilli(), connID, ch.cfg.ConnectionsPerIP, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("webchat: connection limit: %w", err)
	}
	return ok == 1, nil
}

// admitStart counts a chat start from ip in a minute-long window its first start opens, and
// reports whether it is within StartsPerMinute. The count goes up before the chat is opened and
// is compared after, in Redis, so however many starts arrive at once, on however many
// processes, at most the limit open.
func (ch *Chat) admitStart(ctx context.Context, ip string) (bool, error) {
	key := ch.space.Key("starts", ch.space.Lookup("chat-ip", ip))
	n, err := startLimitScript.Run(ctx, ch.rdb, []string{key}, time.Minute.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("webchat: start limit: %w", err)
	}
	return n <= ch.cfg.StartsPerMinute, nil
}

func (ch *Chat) releaseIP(ctx context.Context, ip, connID string) {
	if err := ch.rdb.ZRem(ctx, ch.ipKey(ip), connID).Err(); err != nil {
		ch.log.Warn("chat: release connection slot", "err", err)
	}
}

// keepAlive renews the leases of every local connection in one pipeline.
func (ch *Chat) keepAlive(ctx context.Context) error {
	conns := ch.hub.all()
	ttl := ch.liveTTL()
	until := float64(time.Now().Add(ttl).UnixMilli())
	_, err := ch.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range conns {
			p.ZAddXX(ctx, ch.ipKey(c.ip), redis.Z{Score: until, Member: c.id})
			p.PExpire(ctx, ch.ipKey(c.ip), ttl)
			if conv, tokHash := c.session(); conv != "" {
				p.PExpire(ctx, ch.liveKey(conv), ttl)
				p.PExpire(ctx, ch.tokKey(tokHash), ch.cfg.GracePeriod+ttl)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("webchat: keep-alive: %w", err)
	}
	return nil
}
