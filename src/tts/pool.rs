//! A small fair pool of synthesisers: up to `size` instances, created on first need, lent out one caller
//! at a time and handed to waiters in the order they arrived.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Most synthesisers a voice keeps by default, however many cores the machine has (each holds the model).
pub const MAX_DEFAULT_SIZE: usize = 8;

/// The default pool size: the machine's available parallelism, at least 1 and at most [`MAX_DEFAULT_SIZE`].
pub fn default_size() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_DEFAULT_SIZE)
}

struct State<T> {
    idle: Vec<T>,
    /// Instances alive or being created (idle, lent out, or under construction).
    created: usize,
    /// Tickets of callers waiting for an instance, oldest first.
    waiting: VecDeque<u64>,
    next_ticket: u64,
}

/// Lends instances of `T` to one caller at a time; never holds more than its size.
pub struct Pool<T> {
    size: usize,
    state: Mutex<State<T>>,
    returned: Condvar,
}

impl<T> std::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("created", &self.created())
            .finish()
    }
}

/// What the caller got from the pool: an idle instance, or the right to create one.
enum Grant<T> {
    Idle(T),
    Create,
}

impl<T> Pool<T> {
    /// A pool of at most `size` (at least 1) instances, starting with `first` already made.
    pub fn new(size: usize, first: T) -> Self {
        Pool {
            size: size.max(1),
            state: Mutex::new(State {
                idle: vec![first],
                created: 1,
                waiting: VecDeque::new(),
                next_ticket: 0,
            }),
            returned: Condvar::new(),
        }
    }

    /// The most instances this pool holds.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many instances exist now (idle, lent out or being made).
    pub fn created(&self) -> usize {
        self.lock().created
    }

    /// Runs `work` with an instance: an idle one, a new one from `make` while fewer than `size` exist, or
    /// else the first one returned after every earlier caller was served.
    pub fn with<R, E>(
        &self,
        make: impl FnOnce() -> Result<T, E>,
        work: impl FnOnce(&mut T) -> R,
    ) -> Result<R, E> {
        let mut instance = match self.grant() {
            Grant::Idle(instance) => instance,
            Grant::Create => match make() {
                Ok(instance) => instance,
                Err(err) => {
                    self.lock().created -= 1;
                    self.returned.notify_all();
                    return Err(err);
                }
            },
        };
        let result = work(&mut instance);
        self.lock().idle.push(instance);
        self.returned.notify_all();
        Ok(result)
    }

    fn grant(&self) -> Grant<T> {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.waiting.push_back(ticket);
        loop {
            if state.waiting.front() == Some(&ticket) {
                let grant = match state.idle.pop() {
                    Some(instance) => Some(Grant::Idle(instance)),
                    None if state.created < self.size => {
                        state.created += 1;
                        Some(Grant::Create)
                    }
                    None => None,
                };
                if let Some(grant) = grant {
                    state.waiting.pop_front();
                    drop(state);
                    // The next caller in line may find another idle instance or room to create one.
                    self.returned.notify_all();
                    return grant;
                }
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The state is only counters and idle instances, consistent at every unlock: a panic in a caller's
        // `work` (which runs outside the lock) cannot leave it half-changed.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    #[test]
    fn sequential_callers_reuse_the_first_instance() {
        let pool = Pool::new(4, 0u32);
        for _ in 0..10 {
            pool.with(|| Err::<u32, ()>(()), |n| *n += 1).unwrap();
        }
        assert_eq!(pool.created(), 1);
        assert_eq!(pool.with(|| Err::<u32, ()>(()), |n| *n).unwrap(), 10);
    }

    #[test]
    fn concurrent_callers_never_create_more_than_the_size_and_all_are_served() {
        let size = 3;
        let pool = Arc::new(Pool::new(size, ()));
        let made = Arc::new(AtomicUsize::new(1));
        let busy = Arc::new(AtomicUsize::new(0));
        let most_busy = Arc::new(AtomicUsize::new(0));
        let threads = 12;
        let start = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (pool, made, busy, most_busy, start) = (
                    pool.clone(),
                    made.clone(),
                    busy.clone(),
                    most_busy.clone(),
                    start.clone(),
                );
                std::thread::spawn(move || {
                    start.wait();
                    for _ in 0..5 {
                        pool.with(
                            || {
                                made.fetch_add(1, Ordering::SeqCst);
                                Ok::<(), ()>(())
                            },
                            |_| {
                                let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                                most_busy.fetch_max(now, Ordering::SeqCst);
                                std::thread::sleep(Duration::from_millis(2));
                                busy.fetch_sub(1, Ordering::SeqCst);
                            },
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert!(made.load(Ordering::SeqCst) <= size);
        assert_eq!(pool.created(), made.load(Ordering::SeqCst));
        assert!(most_busy.load(Ordering::SeqCst) <= size);
        assert!(
            most_busy.load(Ordering::SeqCst) > 1,
            "callers overlap up to the pool size"
        );
    }

    #[test]
    fn a_failed_creation_frees_its_place() {
        let pool = Pool::new(2, 'a');
        // Hold the first instance so the next caller must create.
        let inner = pool.with(
            || Ok::<char, ()>('x'),
            |_| {
                let failed = pool.with(|| Err::<char, &str>("no memory"), |_| ());
                assert_eq!(failed, Err("no memory"));
                assert_eq!(pool.created(), 1, "the failed instance is not counted");
                pool.with(|| Ok::<char, &str>('b'), |b| *b).unwrap()
            },
        );
        assert_eq!(inner, Ok('b'));
        assert_eq!(pool.created(), 2);
    }

    #[test]
    fn waiters_are_served_in_arrival_order() {
        let pool = Arc::new(Pool::new(1, ()));
        let order = Arc::new(Mutex::new(Vec::new()));
        let (holding_tx, holding_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = {
            let pool = pool.clone();
            std::thread::spawn(move || {
                pool.with(
                    || Err::<(), ()>(()),
                    |_| {
                        holding_tx.send(()).unwrap();
                        release_rx.recv().unwrap();
                    },
                )
                .unwrap();
            })
        };
        holding_rx.recv().unwrap();
        let mut waiters = Vec::new();
        for i in 0..5 {
            let (shared, order) = (pool.clone(), order.clone());
            waiters.push(std::thread::spawn(move || {
                shared
                    .with(|| Err::<(), ()>(()), |_| order.lock().unwrap().push(i))
                    .unwrap();
            }));
            // Each waiter is queued before the next one arrives.
            while pool.lock().waiting.len() < i + 1 {
                std::thread::yield_now();
            }
        }
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    }
}
