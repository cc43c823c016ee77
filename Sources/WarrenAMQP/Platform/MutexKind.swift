#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sets the mutex type for a lock that is held for a few microseconds at a time.
///
/// glibc's `PTHREAD_MUTEX_ADAPTIVE_NP` spins briefly before it sleeps, which suits such a lock.
/// Other C libraries (Darwin, musl) have no adaptive type: their attributes keep the default type.
func setBriefHoldMutexType(_ attributes: inout pthread_mutexattr_t) {
    #if canImport(Glibc)
    _ = pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
    #endif
}
