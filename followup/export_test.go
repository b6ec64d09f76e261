package followup

import "context"

// Fire runs a follow-up's timer handler as the timers would.
func (s *Service) Fire(ctx context.Context, id string) error { return s.fire(ctx, id) }

// Interrupt leaves a follow-up as a process dying inside its last attempt leaves it: the
// attempt counted, its outcome never recorded. afterSend keeps the conversation the attempt
// reached (the text was handed to routing); otherwise the process died before the send.
func (s *Service) Interrupt(ctx context.Context, id string, afterSend bool) error {
	_, err := s.update(ctx, id, func(x *record) error {
		a := x.last()
		a.Outcome, a.Reason = "", ""
		if !afterSend {
			a.Conversation = ""
		}
		x.State = Due
		return nil
	})
	return err
}
