package routing

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Roster holds the advocates: their profiles and their live presence. Get it from
// Engine.Roster; safe for concurrent use.
type Roster struct{ e *Engine }

// Roster returns the engine's advocates.
func (e *Engine) Roster() Roster { return Roster{e} }

// Put creates or updates an advocate's profile; live state (status, load) is kept.
// Errors: EInvalid naming the bad field.
func (r Roster) Put(ctx context.Context, a Advocate) error {
	if err := a.validate(); err != nil {
		return err
	}
	chans := make([]string, len(a.Channels))
	for i, c := range a.Channels {
		chans[i] = string(c)
	}
	disabled := "0"
	if a.Disabled {
		disabled = "1"
	}
	pipe := r.e.rdb.TxPipeline()
	pipe.HSet(ctx, r.e.keys.adv(a.ID),
		"name", a.Name, "role", string(a.Role), "langs", joinList(a.Languages), "chans", joinList(chans),
		"skills", joinList(a.Skills), "cap", a.TextCapacity, "endpoint", r.e.seal.Seal(a.VoiceEndpoint),
		"disabled", disabled)
	pipe.HSetNX(ctx, r.e.keys.adv(a.ID), "status", string(Offline))
	pipe.SAdd(ctx, r.e.keys.advs(), a.ID)
	if _, err := pipe.Exec(ctx); err != nil {
		return wrap("put advocate", err)
	}
	if a.Disabled {
		return r.SetStatus(ctx, a.ID, Offline)
	}
	return nil
}

func (a Advocate) validate() error {
	switch {
	case !validID(a.ID) || strings.ToLower(a.ID) != a.ID:
		return Errorf(EInvalid, "advocate id %q must be 1-64 lower-case letters, digits, '.', '-' or '_'", a.ID)
	case !a.Role.Valid():
		return Errorf(EInvalid, "role %q must be advocate, supervisor or admin", a.Role)
	case a.TextCapacity < 0 || a.TextCapacity > 20:
		return Errorf(EInvalid, "text capacity %d must be between 0 (default) and 20", a.TextCapacity)
	}
	for _, l := range a.Languages {
		if !validLanguage(l) {
			return Errorf(EInvalid, "language %q is not a BCP 47 tag such as en or es", l)
		}
	}
	for _, c := range a.Channels {
		if !c.Valid() {
			return Errorf(EInvalid, "channel %q must be one of voice, sms, chat, email", c)
		}
	}
	for _, s := range a.Skills {
		if s == "" || strings.ContainsAny(s, ", ") {
			return Errorf(EInvalid, "skill %q may not be empty or hold commas or spaces", s)
		}
	}
	return nil
}

// Advocate returns one advocate's profile. Errors: ENotFound.
func (r Roster) Advocate(ctx context.Context, id string) (Advocate, error) {
	if !validID(id) {
		return Advocate{}, Errorf(ENotFound, "advocate %q not found", id)
	}
	h, err := r.e.rdb.HGetAll(ctx, r.e.keys.adv(id)).Result()
	if err != nil {
		return Advocate{}, wrap("advocate", err)
	}
	if len(h) == 0 {
		return Advocate{}, Errorf(ENotFound, "advocate %q not found", id)
	}
	return r.e.decodeAdvocate(id, h)
}

func (e *Engine) decodeAdvocate(id string, h map[string]string) (Advocate, error) {
	a := Advocate{
		ID: id, Name: h["name"], Role: Role(h["role"]), Languages: splitList(h["langs"]),
		Skills: splitList(h["skills"]), Disabled: h["disabled"] == "1",
	}
	for _, c := range splitList(h["chans"]) {
		a.Channels = append(a.Channels, Channel(c))
	}
	a.TextCapacity, _ = strconv.Atoi(h["cap"])
	ep, err := e.seal.Open(h["endpoint"])
	if err != nil {
		return a, err
	}
	a.VoiceEndpoint = ep
	return a, nil
}

// Advocates lists every advocate, sorted by id.
func (r Roster) Advocates(ctx context.Context) ([]Advocate, error) {
	ids, err := r.e.rdb.SMembers(ctx, r.e.keys.advs()).Result()
	if err != nil {
		return nil, wrap("advocates", err)
	}
	slices.Sort(ids)
	out := make([]Advocate, 0, len(ids))
	for _, id := range ids {
		a, err := r.Advocate(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// SetStatus sets an advocate available, away or offline. Going away or offline withdraws their
// pending offers; becoming available triggers matching.
// Errors: ENotFound; EInvalid for an unknown status or a disabled advocate.
func (r Roster) SetStatus(ctx context.Context, advocateID string, s Status) error {
	if s != Available && s != Away && s != Offline {
		return Errorf(EInvalid, "status %q must be available, away or offline", s)
	}
	if !validID(advocateID) {
		return Errorf(ENotFound, "advocate %q not found", advocateID)
	}
	v, err := r.e.run(ctx, r.e.scr.status, advocateID, string(s))
	if err != nil {
		return err
	}
	return asReply(v).err("advocate " + advocateID)
}

// Heartbeat renews the advocate's presence lease; the console calls it every few seconds.
// An advocate whose lease lapses receives no offers. Errors: ENotFound.
func (r Roster) Heartbeat(ctx context.Context, advocateID string) error {
	if !validID(advocateID) {
		return Errorf(ENotFound, "advocate %q not found", advocateID)
	}
	v, err := r.e.run(ctx, r.e.scr.heartbeat, advocateID, r.e.cfg.PresenceTTL.Milliseconds())
	if err != nil {
		return err
	}
	return asReply(v).err("advocate " + advocateID)
}

// Presence returns an advocate's live state. Errors: ENotFound.
func (r Roster) Presence(ctx context.Context, advocateID string) (Presence, error) {
	if !validID(advocateID) {
		return Presence{}, Errorf(ENotFound, "advocate %q not found", advocateID)
	}
	pipe := r.e.rdb.Pipeline()
	h := pipe.HGetAll(ctx, r.e.keys.adv(advocateID))
	lease := pipe.ZScore(ctx, r.e.keys.lease(), advocateID)
	idle := pipe.ZScore(ctx, r.e.keys.avail(), advocateID)
	pipe.Exec(ctx) // missing members are redis.Nil per command; read below
	if err := h.Err(); err != nil {
		return Presence{}, wrap("presence", err)
	}
	if len(h.Val()) == 0 {
		return Presence{}, Errorf(ENotFound, "advocate %q not found", advocateID)
	}
	v := h.Val()
	p := Presence{AdvocateID: advocateID, Status: Status(v["status"])}
	p.Voice, _ = strconv.Atoi(v["voice"])
	p.Text, _ = strconv.Atoi(v["text"])
	p.Missed, _ = strconv.Atoi(v["missed"])
	p.Reason = v["why"]
	p.Capacity, _ = strconv.Atoi(v["cap"])
	if p.Capacity <= 0 {
		p.Capacity = r.e.Config().TextCapacity
	}
	if lease.Err() == nil && int64(lease.Val()) >= r.e.now().UnixMilli() {
		p.Alive = true
	}
	if ms, _ := strconv.ParseInt(v["resv"], 10, 64); ms > r.e.now().UnixMilli() {
		p.ReservedUntil = time.UnixMilli(ms)
	}
	if idle.Err() == nil {
		p.IdleSince = time.UnixMilli(int64(idle.Val()))
	}
	return p, nil
}
