/*
 * The internal signaling protocol between the kernel and the signaling demon
 * (kernel <-> atmsigd, struct atmsvc_msg), as a Promela model for spin.
 *
 * Written from the protocol description (sections 2 and 3, appendix A's flow
 * diagrams, appendix B's message sequence charts); appendix C's caller.p and
 * called.p were not available, so this is our own model of both sides in one
 * file: the calling side (k_socket with caller=1: as_connect) and the called
 * side (k_listener, and k_socket with caller=0 for each accepted call).
 *
 *   kernel side:  one process per kernel socket (k_socket, k_listener)
 *   demon side:   one process (demon) holding the demon's per-socket states,
 *                 exactly the states of atmsvc::SocketTable (SockState), its
 *                 listen FIFO, and call control (the network) as
 *                 nondeterministic events: CC-ESTABLISHED, CC-RELEASED,
 *                 an incoming call, an incoming call cleared by its caller,
 *                 the zombie listener's guard timer, and the demon's death;
 *                 with MODIFY, Q.2963.1 (q.2963.1 on): the kernel's
 *                 as_modify answered by CC-MODIFY-RESULT (call control in
 *                 U13/N13, Modify Request), and CC-MODIFY-QOS (a peer's
 *                 MODIFY REQUEST, U14/N14 Modify Received) sending the
 *                 demon's as_modify, answered by the kernel's as_okay /
 *                 as_error in ActiveQosWait.
 *   channels:     k2d, the single sequential queue kernel -> demon (2.1);
 *                 d2k[vcc], the demon's frames to each kernel socket (the
 *                 kernel demultiplexes by vcc). Both bounded: every socket
 *                 sends a bounded number of frames, so no send ever blocks.
 *
 * Properties (see docs/model.md; tests/model/spin_check.sh runs them):
 *   - no invalid end state (deadlock): every process ends or idles at an end
 *     label; the demon's final check (timeout) asserts that every socket
 *     reached its end state on both sides and the listen FIFO is empty;
 *   - assertions: each side receives only what the protocol allows in its
 *     state (the close/okay crossing of fig. 9, close/error of fig. 10,
 *     close/close), and indications are answered strictly in FIFO order (3.8);
 *   - LTL "terminates": every run reaches the final check (or the demon's
 *     death), i.e. every connect, accept and close is eventually answered;
 *   - every statement is reachable except the assert(false) branches.
 *
 * Simulation (spin -T -n<seed> atmsvc.pml) prints the demon's steps as "@"
 * lines; tests/model/agreement_test.cpp replays them into the C++ socket
 * table and compares step by step.
 */

#ifndef NCALL
#define NCALL 2 /* incoming calls the network offers (bounds the listen FIFO) */
#endif
#ifndef DEATH
#define DEATH 1 /* the demon may die (shutdown) at any point */
#endif
#ifndef MODIFY
#define MODIFY 0 /* Q.2963.1: the caller's socket may be modified, once each way */
#endif

/* vccs: the kernel's socket pointers; 0 is "no socket" */
#define V_CALLER 1
#define V_LISTEN 2
#define V_FIRST_NEW 3 /* sockets created by as_accept: 3 .. 3+NCALL-1 */
#define NV (V_FIRST_NEW + NCALL)

/* the demon's socket states: numerically atmsvc::SockState */
#define S_NULL 0
#define S_CONNECTING 1
#define S_ACCEPTING 2
#define S_ACTIVE 3
#define S_CLOSING 4 /* ClosingByDemon: as_close sent, waiting for the kernel's */
#define S_LISTENING 5
#define S_ZOMBIE 6 /* ListenZombie: closed listener, indications pending */
#define S_QOS_WAIT 7 /* ActiveQosWait: our as_modify awaits the kernel's answer */

/* reply codes (the test maps them to errnos) */
#define R_NONE 0
#define R_REFUSED 1 /* -ECONNREFUSED */
#define R_RESET 2   /* -ECONNRESET */
#define R_ABORTED 3 /* -ECONNABORTED */
#define R_BADFD 4   /* -EBADFD */
#define R_INVAL 5   /* -EINVAL */

/* CcReject reasons: numerically atmsvc::RejectReason */
#define RJ_NO_LISTENER 0
#define RJ_KERNEL 1
#define RJ_CLOSED 2

#define KQ (3 * NCALL + 6) /* every frame the kernel side can ever send */
#define DQ (NCALL + 4)     /* per socket: okay, indications, close, modify + its answer */

mtype = { connect, listen, accept, reject, close, okay, error, indicate, modify };

/* kernel -> demon: type, vcc, listen_vcc, call (ghost: which indication the
   kernel answers; not in the real frame), reply */
chan k2d = [KQ] of { mtype, byte, byte, byte, byte };
/* demon -> kernel socket vcc: type, reply, call (ghost, as_indicate) */
chan d2k[NV] = [DQ] of { mtype, byte, byte };

/* the demon */
byte dstate[NV];    /* per vcc: S_* */
byte fcall[NCALL];  /* the listen FIFO: calls, oldest first */
bool fgone[NCALL];  /* ... cleared by the caller before the kernel answered */
byte flen;
byte offered;       /* calls offered so far */
/* Q.2963.1, call control's side (not the table's state): a kernel as_modify
   passed to call control and not yet answered; call control's one
   modification of the caller's call done */
bool ccpend[NV];
bool ccmod_done;
bool demon_dead;
bool finished; /* the final check passed (or the demon died) */

/* Scratch variables, used only inside one atomic step (no step blocks
   after its first statement): hidden, i.e. not part of the state vector,
   so that a stale value never makes two states differ. */
hidden mtype s_t;
hidden byte s_v, s_lv, s_c, s_r, s_g, s_i, s_nv, s_p;

/* the kernel */
byte kalive = 2; /* kernel sockets not yet ended (caller, listener, accepted) */
byte naccepted;  /* sockets created by as_accept */
bool kl_closed;  /* the kernel's listener sent its as_close */
bool kmod_done;  /* the caller's application asked for its one modification */

/* Simulation only (the agreement test): -DBIAS offers incoming calls only
   while someone listens or after the listener closed, so that random runs
   reach the accept paths more often. Verification explores everything. */
#ifdef BIAS
#define OFFER_OK (dstate[V_LISTEN] == S_LISTENING || kl_closed)
#else
#define OFFER_OK 1
#endif

/* begin trace output (instrumentation: tests/model/spin_check.sh does not
   ask that each of its statements be reached in every expansion) */

/* pan's printf has no %e: message names spelled out */
inline print_type(T) {
  if
  :: T == connect -> printf("connect")
  :: T == listen -> printf("listen")
  :: T == accept -> printf("accept")
  :: T == reject -> printf("reject")
  :: T == close -> printf("close")
  :: T == okay -> printf("okay")
  :: T == error -> printf("error")
  :: T == indicate -> printf("indicate")
  :: T == modify -> printf("modify")
  fi
}



/* One line per demon step, for the agreement test:
   "@step <before> | <input> | <output>; ... | <after>", where a state is
   the demon's socket states by vcc, the listen FIFO (call/gone) and the
   number of calls offered so far. */
inline print_vector() {
  s_p = 1;
  do
  :: s_p < NV -> printf("%d ", dstate[s_p]); s_p++
  :: else -> break
  od;
  printf("q");
  s_p = 0;
  do
  :: s_p < flen -> printf(" %d/%d", fcall[s_p], fgone[s_p]); s_p++
  :: else -> break
  od;
  printf(" n%d", offered)
}

inline step_begin() {
  printf("@step ");
  print_vector();
  printf(" | ")
}

inline step_end() {
  printf("| ");
  print_vector();
  printf("\n")
}

/* end trace output */

/* a frame to kernel socket vcc (never blocks: the queues are large enough) */
inline to_kernel(s_t, s_v, s_r, s_g) {
  assert(nfull(d2k[s_v]));
  d2k[s_v]!s_t, s_r, s_g;
  printf("k "); print_type(s_t); printf(" %d %d; ", s_v, s_r)
}

inline fifo_pop() {
  s_i = 0;
  do
  :: s_i + 1 < flen -> fcall[s_i] = fcall[s_i + 1]; fgone[s_i] = fgone[s_i + 1]; s_i++
  :: else -> break
  od;
  flen--;
  fcall[flen] = 0;
  fgone[flen] = 0
}

/* reject_pending(): every indication still queued is refused */
inline reject_pending() {
  s_i = 0;
  do
  :: s_i < flen ->
     if
     :: !fgone[s_i] -> printf("cc reject %d %d %d; ", fcall[s_i], RJ_CLOSED, R_NONE)
     :: else -> skip
     fi;
     fcall[s_i] = 0;
     fgone[s_i] = 0;
     s_i++
  :: else -> break
  od;
  flen = 0
}

/* a kernel frame (sections 3.2 to 3.10, appendix A) */
inline on_kernel() {
  step_begin(); printf("k "); print_type(s_t); printf(" %d %d %d | ", s_v, s_lv, s_r);
  if
  :: s_t == connect ->
     assert(dstate[s_v] == S_NULL);
     dstate[s_v] = S_CONNECTING;
     printf("cc connect %d; ", s_v)
  :: s_t == listen ->
     assert(dstate[s_v] == S_NULL);
     dstate[s_v] = S_LISTENING;
     to_kernel(okay, s_v, R_NONE, 0)
  :: s_t == accept ->
     /* the FIFO head becomes the new socket (3.9, fig. 6, 11) */
     assert(dstate[s_lv] == S_LISTENING && dstate[s_v] == S_NULL);
     assert(flen > 0 && fcall[0] == s_c); /* answered in order (3.8) */
     if
     :: fgone[0] -> to_kernel(error, s_v, R_ABORTED, 0)
     :: else ->
        dstate[s_v] = S_ACCEPTING;
        printf("cc accept %d %d; ", s_c, s_v)
     fi;
     fifo_pop()
  :: s_t == reject ->
     if
     :: dstate[s_lv] == S_LISTENING || dstate[s_lv] == S_ZOMBIE ->
        assert(flen > 0 && fcall[0] == s_c); /* answered in order (3.8) */
        if
        :: !fgone[0] -> printf("cc reject %d %d %d; ", s_c, RJ_KERNEL, s_r)
        :: else -> skip
        fi;
        fifo_pop();
        if
        :: dstate[s_lv] == S_ZOMBIE && flen == 0 -> dstate[s_lv] = S_NULL
        :: else -> skip
        fi
     :: dstate[s_lv] == S_NULL -> skip /* the guard timer rejected it already */
     :: else -> assert(false)
     fi
  :: s_t == close ->
     if
     :: dstate[s_v] == S_NULL -> skip /* stray close (fig. 10) */
     :: dstate[s_v] == S_CONNECTING || dstate[s_v] == S_ACCEPTING || dstate[s_v] == S_ACTIVE ||
        dstate[s_v] == S_QOS_WAIT ->
        /* fig. 7, 9: release the call, acknowledge, forget (a modification
           under way is forgotten with the call) */
        printf("cc release %d; ", s_v);
        dstate[s_v] = S_NULL;
        ccpend[s_v] = 0;
        to_kernel(close, s_v, R_NONE, 0)
     :: dstate[s_v] == S_CLOSING -> dstate[s_v] = S_NULL /* the kernel's ack (3.4) */
     :: dstate[s_v] == S_LISTENING ->
        to_kernel(close, s_v, R_NONE, 0);
        if
        :: flen == 0 -> dstate[s_v] = S_NULL
        :: else -> dstate[s_v] = S_ZOMBIE /* the kernel still answers the FIFO */
        fi
     :: else -> assert(false)
     fi
  :: s_t == modify ->
     /* Q.2963.1: the application's modification (net/atm/svc.c
        svc_change_qos) goes to call control on an active call; without
        one it is refused at once (-EBADFD) */
     if
     :: dstate[s_v] == S_ACTIVE || dstate[s_v] == S_QOS_WAIT ->
        assert(!ccpend[s_v]);
        ccpend[s_v] = 1;
        printf("cc modify %d; ", s_v)
     :: else -> to_kernel(okay, s_v, R_BADFD, 0)
     fi
  :: s_t == okay || s_t == error ->
     /* the kernel's answer to our as_modify, to call control; one that
        crossed call control's release (ClosingByDemon) is dropped */
     if
     :: dstate[s_v] == S_QOS_WAIT ->
        dstate[s_v] = S_ACTIVE;
        printf("cc modanswer %d %d; ", s_v, s_r)
     :: dstate[s_v] == S_CLOSING -> skip
     :: else -> assert(false)
     fi
  :: else -> assert(false)
  fi
}

/* The sockets call control may answer: one choice among them per step
   (written out for NCALL <= 3, so that each handler's code exists once). */
#if NCALL > 1
#define OR_NEW1(P) || P(V_FIRST_NEW + 1)
#define PICK_NEW1(P) :: P(V_FIRST_NEW + 1) -> s_v = V_FIRST_NEW + 1
#else
#define OR_NEW1(P)
#define PICK_NEW1(P)
#endif
#if NCALL > 2
#define OR_NEW2(P) || P(V_FIRST_NEW + 2)
#define PICK_NEW2(P) :: P(V_FIRST_NEW + 2) -> s_v = V_FIRST_NEW + 2
#else
#define OR_NEW2(P)
#define PICK_NEW2(P)
#endif
#define ANY_SOCKET(P) (P(V_CALLER) || P(V_FIRST_NEW) OR_NEW1(P) OR_NEW2(P))
#define PICK_SOCKET(P) \
  if \
  :: P(V_CALLER) -> s_v = V_CALLER \
  :: P(V_FIRST_NEW) -> s_v = V_FIRST_NEW \
  PICK_NEW1(P) PICK_NEW2(P) \
  fi

#define AWAITING(V) (dstate[V] == S_CONNECTING || dstate[V] == S_ACCEPTING)
#define HAS_CALL(V) (AWAITING(V) || dstate[V] == S_ACTIVE || dstate[V] == S_QOS_WAIT)
#define MOD_PENDING(V) (ccpend[V])

/* The same for the listen FIFO's entries the caller can still clear. */
#define CLEARABLE(K) (flen > K && !fgone[K])
#if NCALL > 1
#define OR_SLOT1 || CLEARABLE(1)
#define PICK_SLOT1 :: CLEARABLE(1) -> s_i = 1
#else
#define OR_SLOT1
#define PICK_SLOT1
#endif
#if NCALL > 2
#define OR_SLOT2 || CLEARABLE(2)
#define PICK_SLOT2 :: CLEARABLE(2) -> s_i = 2
#else
#define OR_SLOT2
#define PICK_SLOT2
#endif

#ifndef VARIANTS
#define VARIANTS 1 /* call control releases with cause 0 and with an errno */
#endif

/* call control's answer to as_connect / as_accept (CC-ESTABLISHED) */
inline cc_established() {
  PICK_SOCKET(AWAITING);
  step_begin(); printf("cc established %d | ", s_v);
  dstate[s_v] = S_ACTIVE;
  to_kernel(okay, s_v, R_NONE, 0)
}

/* the call failed or ended (CC-RELEASED): 0 (normal) or an errno */
inline cc_released() {
  PICK_SOCKET(HAS_CALL);
  if
  :: VARIANTS -> s_r = R_NONE
  :: s_r = R_RESET
  fi;
  step_begin(); printf("cc released %d %d | ", s_v, s_r);
  ccpend[s_v] = 0; /* call control answers no modification of a released call */
  if
  :: dstate[s_v] == S_ACTIVE || dstate[s_v] == S_QOS_WAIT -> /* remote or network close (3.4) */
     dstate[s_v] = S_CLOSING;
     to_kernel(close, s_v, s_r, 0)
  :: else -> /* setup failed (3.3, fig. 8) */
     dstate[s_v] = S_NULL;
     if
     :: s_r == R_NONE -> s_r = R_REFUSED
     :: else -> skip
     fi;
     to_kernel(error, s_v, s_r, 0)
  fi
}

/* Q.2963.1: call control's answer to the kernel's as_modify (U13/N13 left:
   MODIFY ACKNOWLEDGE, REJECT, T360), 0 or an errno, as the as_okay's reply */
inline cc_modify_result() {
  PICK_SOCKET(MOD_PENDING);
  if
  :: s_r = R_NONE
  :: s_r = R_INVAL
  fi;
  step_begin(); printf("cc modresult %d %d | ", s_v, s_r);
  ccpend[s_v] = 0;
  to_kernel(okay, s_v, s_r, 0)
}

/* the caller of an indicated call gave up before the kernel answered it */
inline cc_incoming_gone() {
  if
  :: CLEARABLE(0) -> s_i = 0
  PICK_SLOT1 PICK_SLOT2
  fi;
  step_begin(); printf("cc gone %d | ", fcall[s_i]);
  fgone[s_i] = 1
}

proctype demon() {
end_idle:
  do
  :: atomic { k2d?s_t, s_v, s_lv, s_c, s_r -> on_kernel(); step_end() }
  :: atomic { ANY_SOCKET(AWAITING) -> cc_established(); step_end() }
  :: atomic { ANY_SOCKET(HAS_CALL) -> cc_released(); step_end() }
  :: atomic { ANY_SOCKET(MOD_PENDING) -> cc_modify_result(); step_end() }
  :: atomic { MODIFY && !ccmod_done && dstate[V_CALLER] == S_ACTIVE ->
       /* Q.2963.1: a peer's MODIFY REQUEST (U14/N14): the demon's as_modify */
       ccmod_done = 1;
       step_begin(); printf("cc modqos %d | ", V_CALLER);
       dstate[V_CALLER] = S_QOS_WAIT;
       to_kernel(modify, V_CALLER, R_NONE, 0);
       step_end() }
  :: atomic { offered < NCALL && OFFER_OK ->
       /* an incoming call (fig. 5): indicated to the listener, or refused */
       s_c = offered;
       step_begin(); printf("cc incoming %d | ", s_c);
       offered++;
       if
       :: dstate[V_LISTEN] == S_LISTENING ->
          fcall[flen] = s_c;
          fgone[flen] = 0;
          flen++;
          d2k[V_LISTEN]!indicate, R_NONE, s_c;
          printf("k indicate %d %d; ", V_LISTEN, R_NONE)
       :: else ->
            printf("cc reject %d %d %d; ", s_c, RJ_NO_LISTENER, R_NONE)
       fi;
       step_end() }
  :: atomic { CLEARABLE(0) OR_SLOT1 OR_SLOT2 -> cc_incoming_gone(); step_end() }
  :: atomic { dstate[V_LISTEN] == S_ZOMBIE ->
       /* the kernel did not answer the rest in time: the guard timer */
       step_begin(); printf("timeout %d | ", V_LISTEN);
       reject_pending();
       dstate[V_LISTEN] = S_NULL;
       step_end() }
  :: atomic { DEATH && kalive > 0 ->
       /* the demon stops: every call released, every indication rejected */
       step_begin(); printf("shutdown | ");
       s_v = 1;
       do
       :: s_v < NV ->
          if
          :: s_v == V_LISTEN && (dstate[s_v] == S_LISTENING || dstate[s_v] == S_ZOMBIE) -> reject_pending()
          :: dstate[s_v] == S_CONNECTING || dstate[s_v] == S_ACCEPTING || dstate[s_v] == S_ACTIVE ||
             dstate[s_v] == S_QOS_WAIT ->
             printf("cc release %d; ", s_v)
          :: else -> skip
          fi;
          dstate[s_v] = S_NULL;
          ccpend[s_v] = 0;
          s_v++
       :: else -> break
       od;
       step_end();
       demon_dead = 1;
       finished = 1;
       printf("@dead\n");
       break }
  :: timeout ->
     /* nothing else can happen: every socket must have ended on both sides */
     atomic {
       assert(kalive == 0 && flen == 0 && offered == NCALL);
       s_v = 1;
       do
       :: s_v < NV -> assert(dstate[s_v] == S_NULL); s_v++
       :: else -> break
       od;
       finished = 1;
       printf("@final\n");
       break }
  od
}

/* A kernel socket that connects (caller) or was created by as_accept. */
proctype k_socket(byte V; bool caller) {
  if
  :: caller ->
     if
     :: atomic { !demon_dead -> k2d!connect, V, 0, 0, 0 }
     :: demon_dead -> goto done
     fi
  :: else -> skip
  fi;
  /* ConnectWait / AcceptWait: the answer, or the application closes first */
  do
  :: atomic { d2k[V]?s_t, s_r, s_g ->
       if
       :: s_t == okay -> goto connected
       :: s_t == error -> goto done /* fig. 8 */
       :: else -> assert(false)
       fi }
  :: atomic { !demon_dead -> k2d!close, V, 0, 0, 0; goto close_wait } /* fig. 9, 10 */
  :: demon_dead -> goto done
  od;
connected:
  do
  :: atomic { d2k[V]?s_t, s_r, s_g ->
       if
       :: s_t == close -> k2d!close, V, 0, 0, 0; goto done /* acknowledged (fig. 7) */
       :: s_t == modify -> /* net/atm/signaling.c modify_qos answers at once */
          if
          :: k2d!okay, V, 0, 0, R_NONE
          :: k2d!error, V, 0, 0, R_INVAL
          fi
       :: else -> assert(false)
       fi }
  :: atomic { !demon_dead -> k2d!close, V, 0, 0, 0; goto close_wait }
  :: atomic { MODIFY && caller && !kmod_done && !demon_dead ->
       /* the application's one modification: it waits for the answer */
       kmod_done = 1;
       k2d!modify, V, 0, 0, 0;
       goto modify_wait }
  :: demon_dead -> goto done
  od;
modify_wait:
  do
  :: atomic { d2k[V]?s_t, s_r, s_g ->
       if
       :: s_t == okay -> goto connected /* the answer, whatever its reply */
       :: s_t == close -> k2d!close, V, 0, 0, 0; goto done
       :: s_t == modify -> /* the demon's, crossing ours */
          if
          :: k2d!okay, V, 0, 0, R_NONE
          :: k2d!error, V, 0, 0, R_INVAL
          fi
       :: else -> assert(false)
       fi }
  :: atomic { !demon_dead -> k2d!close, V, 0, 0, 0; goto close_wait }
  :: demon_dead -> goto done
  od;
close_wait:
  do
  :: atomic { d2k[V]?s_t, s_r, s_g ->
       if
       :: s_t == okay -> skip                    /* crossed our close (fig. 9) */
       :: s_t == modify -> skip /* a released VC's as_modify is not answered */
       :: s_t == error || s_t == close -> goto done /* fig. 10, or the ack / crossing */
       :: else -> assert(false)
       fi }
  :: demon_dead -> goto done
  od;
done:
  kalive--
}

/* The listening socket and its queue of indications (k_queuer of fig. 5). */
proctype k_listener() {
  byte kq[NCALL];
  byte klen;
  if
  :: atomic { !demon_dead -> k2d!listen, V_LISTEN, 0, 0, 0 }
  :: demon_dead -> goto done
  fi;
  do /* ListenWait: nothing else may be sent for the socket (3.7) */
  :: atomic { d2k[V_LISTEN]?s_t, s_r, s_g -> assert(s_t == okay); goto listening }
  :: demon_dead -> goto done
  od;
listening:
  do
  :: atomic { d2k[V_LISTEN]?s_t, s_r, s_g -> assert(s_t == indicate); kq[klen] = s_g; klen++ }
  :: atomic { klen > 0 && !demon_dead ->
       s_nv = V_FIRST_NEW + naccepted;
       naccepted++;
       kalive++;
       run k_socket(s_nv, 0);
       k2d!accept, s_nv, V_LISTEN, kq[0], 0;
       s_i = 0;
       do
       :: s_i + 1 < klen -> kq[s_i] = kq[s_i + 1]; s_i++
       :: else -> break
       od;
       klen--;
       kq[klen] = 0 }
  :: atomic { klen > 0 && !demon_dead ->
       k2d!reject, 0, V_LISTEN, kq[0], R_REFUSED;
       s_i = 0;
       do
       :: s_i + 1 < klen -> kq[s_i] = kq[s_i + 1]; s_i++
       :: else -> break
       od;
       klen--;
       kq[klen] = 0 }
  :: atomic { !demon_dead -> k2d!close, V_LISTEN, 0, 0, 0; kl_closed = 1; goto close_wait }
  :: demon_dead -> goto done
  od;
close_wait:
  do
  :: atomic { d2k[V_LISTEN]?s_t, s_r, s_g ->
       if
       :: s_t == indicate ->
#ifdef KERNEL_REJECTS_AT_ONCE
          /* as the emulated kernel (kernel_emu) does: out of FIFO order;
             tests/model/spin_check.sh expects the order assertion to fail */
          k2d!reject, 0, V_LISTEN, s_g, R_REFUSED
#else
          kq[klen] = s_g; klen++ /* crossed our close: queued too */
#endif
       :: s_t == close ->
          /* acknowledged: every indication still held is rejected, in order
             (net/atm/svc.c svc_disconnect) */
          s_i = 0;
          do
          :: s_i < klen -> k2d!reject, 0, V_LISTEN, kq[s_i], R_NONE; kq[s_i] = 0; s_i++
          :: else -> break
          od;
          goto done
       :: else -> assert(false)
       fi }
  :: demon_dead -> goto done
  od;
done:
  kalive--
}

init {
  atomic {
    run demon();
    run k_socket(V_CALLER, 1);
    run k_listener()
  }
}

#ifdef LTL
ltl terminates { <> finished }
#endif
