package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The {@code .kiln.data} section: the active data segments' bytes, compressed. */
class ActiveDataTest {
    private static byte[] sample() {
        byte[] b = new byte[100_000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 251 < 200 ? 0 : i * 7); // mostly zeros, as data segments are
        }
        return b;
    }

    @Test
    void roundTripOfAPrefix() {
        byte[] bytes = sample();
        byte[] section = ActiveData.encode(bytes, 60_000);
        assertTrue(section.length < 60_000 / 4, section.length + " bytes");
        assertArrayEquals(Arrays.copyOf(bytes, 60_000), ActiveData.decode(section, "test"));
        assertArrayEquals(new byte[0], ActiveData.decode(ActiveData.encode(bytes, 0), "test"));
        assertThrows(IllegalArgumentException.class, () -> ActiveData.encode(bytes, bytes.length + 1));
    }

    @Test
    void badSectionsAreFormatErrors() {
        byte[] good = ActiveData.encode(sample(), 5_000);
        assertThrows(ArtifactFormatException.class, () -> ActiveData.decode(Arrays.copyOf(good, 7), "test"));
        byte[] version = good.clone();
        version[0] = 7;
        assertThrows(ArtifactFormatException.class, () -> ActiveData.decode(version, "test"));
        byte[] longer = good.clone();
        longer[4]++; // states one byte more than the data inflates to
        assertThrows(ArtifactFormatException.class, () -> ActiveData.decode(longer, "test"));
        byte[] absurd = good.clone();
        absurd[7] = 0x40; // a gigabyte from a few compressed bytes
        assertThrows(ArtifactFormatException.class, () -> ActiveData.decode(absurd, "test"));
        byte[] truncated = Arrays.copyOf(good, good.length - 4);
        assertThrows(ArtifactFormatException.class, () -> ActiveData.decode(truncated, "test"));
        byte[] garbage = good.clone();
        Arrays.fill(garbage, 8, garbage.length, (byte) 0x5A);
        assertThrows(ArtifactFormatException.class, () -> ActiveData.decode(garbage, "test"));
    }
}
