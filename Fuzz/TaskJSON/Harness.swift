// A libFuzzer harness for Warren's fast JSON path (Sources/Warren/JSON). See Fuzz/README.md.
//
// For every input it (1) tokenizes the bytes and reads every string and number token the way the
// decoder does, so an index out of bounds stops the run (built -Onone, where buffer-pointer
// subscripts are checked); (2) decodes the input into a few Codable shapes with the fast decoder
// and with Foundation's JSONDecoder, and stops when the fast decoder returns a value Foundation
// does not (a value or an error); (3) encodes what it decoded with the fast encoder and checks that
// Foundation reads it back to the same value.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct Flat: Codable, Equatable {
    var a: Int?
    var b: String?
    var c: Double?
    var d: Bool?
    var e: UInt8?
}

struct Nested: Codable, Equatable {
    var list: [Int]?
    var names: [String: String]?
    var child: Flat?
    var matrix: [[Double]]?
}

enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case label(String, Int?)
}

func bitwiseEqual(_ a: Double?, _ b: Double?) -> Bool { a?.bitPattern == b?.bitPattern }

func check<T: Codable & Equatable>(_ type: T.Type, _ bytes: [UInt8], same: (T, T) -> Bool = { $0 == $1 }) {
    guard let fast = FastJSONDecoder.decode(type, from: bytes) else { return }
    let reference: T
    do {
        reference = try JSONDecoder().decode(type, from: Data(bytes))
    } catch {
        fatalError("fast decoder accepted what Foundation refuses (\(error)): \(String(decoding: bytes, as: UTF8.self))")
    }
    guard same(fast, reference) else {
        fatalError("fast \(fast) != Foundation \(reference) for \(String(decoding: bytes, as: UTF8.self))")
    }
    guard let encoded = FastJSONEncoder.encode(fast) else { return }
    guard let back = try? JSONDecoder().decode(type, from: Data(encoded)), same(back, fast) else {
        fatalError("fast encoding of \(fast) does not read back: \(String(decoding: encoded, as: UTF8.self))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let json = JSONTokens.parse(bytes) {
        let state = FastDecodingState(json)
        for index in 0..<json.tokens.count {
            switch json[index].kind {
            case .string: _ = try? state.decodeString(at: index)
            case .number:
                _ = try? state.decodeDouble(at: index)
                _ = try? state.decodeInteger(Int64.self, at: index)
                _ = try? state.decodeInteger(UInt8.self, at: index)
            case .object:
                _ = state.names(in: index)
                _ = state.find("a", in: index)
            default: break
            }
        }
    }
    check(Flat.self, bytes) { $0.a == $1.a && $0.b == $1.b && bitwiseEqual($0.c, $1.c) && $0.d == $1.d && $0.e == $1.e }
    check(Nested.self, bytes)
    check(Shape.self, bytes)
    check([String: Int].self, bytes)
    return 0
}
