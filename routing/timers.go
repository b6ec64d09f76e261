package routing

import "sync"

type timerSet struct {
	e        *Engine
	mu       sync.RWMutex
	handlers map[string]TimerFunc
}

func newTimerSet(e *Engine) *timerSet { return &timerSet{e: e, handlers: map[string]TimerFunc{}} }
