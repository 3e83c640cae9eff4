package io.github.dml4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * The Hadoop settings of the driver, carried to the executors (a Hadoop {@link Configuration}
 * is not serializable), and the file operations the jobs need on any file system Spark reads:
 * local paths, {@code file:}, {@code hdfs:}, {@code s3a:} and the others of the cluster.
 */
final class HadoopFiles implements Serializable {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, String> settings;
    private transient Configuration configuration;

    private HadoopFiles(HashMap<String, String> settings) {
        this.settings = settings;
    }

    /** The settings that differ from a fresh {@link Configuration}'s, so that little is shipped. */
    static HadoopFiles of(Configuration driver) {
        Configuration defaults = new Configuration();
        HashMap<String, String> changed = new HashMap<>();
        for (Map.Entry<String, String> e : driver) {
            if (!e.getValue().equals(defaults.get(e.getKey()))) {
                changed.put(e.getKey(), e.getValue());
            }
        }
        return new HadoopFiles(changed);
    }

    Configuration configuration() {
        if (configuration == null) {
            Configuration c = new Configuration();
            settings.forEach(c::set);
            configuration = c;
        }
        return configuration;
    }

    FileSystem fileSystem(org.apache.hadoop.fs.Path path) throws IOException {
        return path.getFileSystem(configuration());
    }

    /** All the bytes of a file. */
    byte[] readAll(String location) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
        try (InputStream in = fileSystem(path).open(path)) {
            return in.readAllBytes();
        }
    }

    /** Whether {@code location} is a directory holding a file named {@code child}. */
    boolean hasFile(String location, String child) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location, child);
        return fileSystem(path).isFile(path);
    }

    /**
     * The local path of {@code location}: itself when it is on the local file system, otherwise
     * a copy of the directory's files in a new temporary folder.
     */
    Path toLocalDirectory(String location) throws IOException {
        URI uri = new org.apache.hadoop.fs.Path(location).toUri();
        if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
            return Path.of(uri.getPath());
        }
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
        FileSystem fs = fileSystem(path);
        Path local = Files.createTempDirectory("dml4j-model-");
        for (FileStatus file : fs.listStatus(path)) {
            if (file.isFile()) {
                fs.copyToLocalFile(false, file.getPath(),
                        new org.apache.hadoop.fs.Path(local.resolve(file.getPath().getName()).toUri()), true);
            }
        }
        return local;
    }

    /** Copies a local file to {@code location} (any file system), replacing what is there. */
    void upload(Path localFile, String location) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(location);
        fileSystem(target).copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(localFile.toUri()), target);
    }

    /** Copies {@code location} (any file system) to a local file. */
    void download(String location, Path localFile) throws IOException {
        org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(location);
        fileSystem(source).copyToLocalFile(false, source, new org.apache.hadoop.fs.Path(localFile.toUri()), true);
    }
}
