#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if os(Linux)
import CRabbitMQ  // warren_set_thread_name: glibc and musl declare pthread_setname_np only with _GNU_SOURCE
#endif

/// Names the calling thread, as debuggers, `top -H` and `/proc/<pid>/task/*/comm` show it.
///
/// Called by the thread itself, because Darwin's `pthread_setname_np` takes only a name and names
/// the current thread; Linux's takes the thread too. Linux keeps at most 15 bytes: a longer name is
/// cut there (at a character boundary), since the call would fail with `ERANGE` otherwise. Failure
/// is ignored: the name is a diagnostic.
func setCurrentThreadName(_ name: String) {
    #if os(Linux)
    var kept = ""
    for character in name {
        guard kept.utf8.count + character.utf8.count <= 15 else { break }
        kept.append(character)
    }
    _ = warren_set_thread_name(pthread_self(), kept)
    #elseif canImport(Darwin)
    _ = pthread_setname_np(name)
    #endif
}
