package io.github.dml4j.readme;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.optimizer.Optimizer;
import io.github.dml4j.attributes.AttributeHead;
import io.github.dml4j.attributes.AttributeProbes;
import io.github.dml4j.attributes.AttributeReport;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.backbone.TorchScriptBackbone;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.IdentitySplit;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.ImageFiles;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.PairGenerator;
import io.github.dml4j.data.PairList;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.train.Validation;
import io.github.dml4j.train.LearningRateSchedules;
import io.github.dml4j.data.StreamingImages;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.eval.EmbeddingEvaluator;
import io.github.dml4j.eval.IdentificationReport;
import io.github.dml4j.eval.PairScores;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.Gallery;
import io.github.dml4j.inference.Identification;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.inference.Verification;
import io.github.dml4j.inference.Verifier;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.loss.MultiSimilarityLoss;
import io.github.dml4j.loss.MultipleLosses;
import io.github.dml4j.loss.SoftmaxLoss;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.MultiSimilarityMiner;
import io.github.dml4j.miner.TripletMarginMiner;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.sampler.BalancedPairSampler;
import io.github.dml4j.train.AttributeBatches;
import io.github.dml4j.train.BatchSource;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.OptimizerType;
import io.github.dml4j.train.PairBatches;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Java code blocks of the README, verbatim, one method each, so that the build compiles them
 * as a user would paste them; {@link ReadmeTourTest} checks that they are still the README's.
 * The methods are compiled, not run: they train for minutes or read folders of the user's.
 */
@SuppressWarnings("unused")
final class ReadmeTour {

    /** Fine-tuning a pretrained network compiled to TorchScript. */
    void pretrained() {
        TorchScriptBackbone resnet50 = TorchScriptBackbone.builder()
                .setFile(Path.of("resnet50.pt"))
                .setInputShape(3, 224, 224)
                .optEmbeddingSize(128)            // a linear projection of the 2048 features
                .optFreezeBatchNorm(true)         // small batches: keep the pretrained BatchNorm statistics
                .build();
        EmbeddingNet pretrained = EmbeddingNet.builder()
                .setBackbone(resnet50)
                .setInputShape(3, 224, 224)
                .optPixelNormalization(PixelNormalization.IMAGENET)
                .optFreeze("backbone/module/conv1", "backbone/module/bn1", "backbone/module/layer1")
                .optLearningRateMultiplier("backbone/module", 0.1f)   // the rest of the network at 0.1x, the projection at 1x
                .build();
    }

    /** The tour: data, network, head, batches, training, evaluation, export. */
    void tour() throws Exception {
        // data: any ImageSource; here Fashion-MNIST's IDX files from a directory, the cache,
        // Debian's package or a checked download, held in memory
        ImageSource train = FashionMnist.builder().build().load(FashionMnist.Split.TRAIN);
        ImageSource test = FashionMnist.builder().build().load(FashionMnist.Split.TEST);

        // the shared embedding network: ConvNet-S (32-64-128 channels) ending in a 64-d embedding
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(ConvNet.small(64))
                .setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST)
                .build();

        // one head for every set-up: the network, a loss and an optional miner; here triplet margin
        // loss on semi-hard triplets mined inside each batch
        MetricHead head = MetricHead.builder()
                .setEmbeddingNet(net)
                .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                .optMiner(TripletMarginMiner.builder().optMargin(0.2f)
                        .optType(TripletMarginMiner.Type.SEMIHARD).build())
                .build();

        // the batches own the sampling: 8 classes x 16 images, seeded
        ClassBatches batches = ClassBatches.builder()
                .setImages(train)
                .setNormalization(net.getPixelNormalization())
                .optM(16).optBatchSize(128).optSeed(0)
                .build();

        // train with Adam (or SGD, RMSprop, any DJL optimizer) on the engine's devices
        MetricTrainer trainer = MetricTrainer.builder()
                .setHead(head)
                .optOptimizer(OptimizerType.ADAM).optLearningRate(1e-3f)
                .optEpochs(5).optSeed(0)
                .build();
        TrainingHistory history = trainer.fit(batches);

        // evaluate as the field does: every test image a query against all others
        try (EmbeddingModel model = EmbeddingModel.of(net);
             NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = model.embed(manager, test);
            RetrievalReport report = EmbeddingEvaluator.builder().build().evaluate(embeddings, test.labels());
            System.out.println(report);   // precision_at_1, r_precision, mean_average_precision_at_r, NMI, ...
        }

        // export the embedding network (never the loss's parameters) with its model card, which records
        // the run's settings: optimizer, every learning rate, m, sampler, seed, data fingerprint, losses
        try (EmbeddingModel model = EmbeddingModel.of(net, TrainingProvenance.builder()
                .setDatasetName("fashion-mnist").optHistory(history).build())) {
            model.save(Path.of("my-model"));
        }
    }

    /** The other set-ups: multi-similarity, ArcFace, a Siamese network, softmax + center loss, any optimizer. */
    void setUps(EmbeddingNet net, ImageSource train) {
        // multi-similarity loss with its miner, in one forward pass over each P x K batch
        MetricHead multiSimilarity = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(MultiSimilarityLoss.builder().optAlpha(2f).optBeta(50f).optBase(0.5f).build())
                .optMiner(MultiSimilarityMiner.builder().optEpsilon(0.1f).build())
                .build();

        // ArcFace: the loss owns its class weights and trains them at 10x the network's rate
        MetricHead arcFace = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ArcFaceLoss.builder().setNumClasses(10).optLearningRateMultiplier(10f).build())
                .build();

        // a Siamese network: contrastive loss on explicit pairs, a quarter of them positive
        BalancedPairSampler pairSampler = BalancedPairSampler.builder()
                .setLabels(train.labels()).setBatchSize(64).optPositiveShare(0.25).optSeed(0).build();
        PairDataset pairs = PairDataset.builder().setImages(train)
                .optNormalization(net.getPixelNormalization()).setSampling(pairSampler).build();
        MetricHead siamese = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build()).build();
        MetricTrainer.builder().setHead(siamese).build().fit(new PairBatches(pairs, pairSampler));

        // softmax + center loss (Wen et al.): two losses with parameters of their own, summed
        MetricHead center = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(MultipleLosses.builder()
                        .addLoss(SoftmaxLoss.builder().setNumClasses(10).build())
                        .addLoss(CenterLoss.builder().setNumClasses(10).optAlpha(0.5f).build(), 0.01f)
                        .build())
                .build();

        // any DJL optimizer keeps every group's learning rate: the trainer hands it the rates
        MetricTrainer adamW = MetricTrainer.builder().setHead(arcFace)
                .optOptimizer(lr -> Optimizer.adamW().optLearningRateTracker(lr).build())
                .build();
    }

    /** Faces: an identity folder, augmentation, calibration. */
    void faces(EmbeddingNet net, MetricTrainer trainer) throws IOException {
        ImagePreprocessing faces = ImagePreprocessing.builder().setSize(64, 64)
                .optColor(ColorMode.RGB).build();                          // resize shorter side, centre crop
        IdentityImages all = IdentityFolder.builder().setRoot(Path.of("lfw"))
                .setPreprocessing(faces).build().load();                   // unreadable files: one warning each
        IdentitySplit split = IdentitySplit.split(all, new IdentitySplit.Fractions(0.6, 0.2, 0.2), 0);
        ImageAugmentation augment = ImageAugmentation.builder().optRandomCrop(4).optHorizontalFlip(0.5)
                .optRotation(8).optBrightness(0.85, 1.15).optContrast(0.85, 1.15).build(); // on the engine
        trainer.fit(ClassBatches.builder().setImages(split.train().images())
                .setNormalization(net.getPixelNormalization()).optM(4).optAugmentation(augment).build());

        // calibrate on identities not used in training: a new model whose card holds the threshold
        try (EmbeddingModel model = EmbeddingModel.of(net, ModelCard.describe(net).withPreprocessing(faces));
             NDManager manager = NDManager.newBaseManager()) {
            PairList pairs = PairGenerator.builder().setPairsPerFold(2000).optFolds(1).build()
                    .generate(split.calibration());                        // or PairList.read(pairsTxt, images)
            float[] scores = PairScores.score(model.embed(manager, split.calibration().images()),
                    pairs.first(), pairs.second(), model.distance());
            try (EmbeddingModel calibrated = model.withCalibration(
                    ThresholdCalibration.forTargetFar(scores, pairs.same(), 1e-3))) {
                calibrated.save(Path.of("face-model"));
            }
        }
    }

    /** Another application loads and embeds. */
    void anotherApplication() throws IOException {
        try (EmbeddingModel model = EmbeddingModel.load(Path.of("my-model"))) {
            Image image = ImageFactory.getInstance().fromFile(Path.of("shoe.png")); // any size, colour or grey
            float[] embedding = model.embed(image);                                 // resized and normalized as in training
            float[][] batch = model.embed(List.of(image, image));
        }
    }

    /** Face attributes read off an identity model's embeddings. */
    void attributes(ImagePreprocessing preprocessing, Image image) throws IOException {
        IdentityImages faces = IdentityFolder.builder().setRoot(Path.of("celeba"))
                .setPreprocessing(preprocessing).build().load();
        AttributeLabels labels = AttributeTable.read(Path.of("list_attr_celeba.txt")) // CelebA, LFW-attributes or CSV
                .align(faces);                         // rows without image, images without row: by name
        try (EmbeddingModel model = EmbeddingModel.load(Path.of("face-model"));
             NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = model.embed(manager, faces.images());
            AttributeProbes probes = AttributeProbes.builder().optFolds(5).build(); // logistic / softmax, C 1, balanced
            AttributeReport report = probes.crossValidate(embeddings, faces.images().labels(), labels); // by identity
            System.out.println(report.toTable());    // accuracy, balanced accuracy, ROC AUC, macro-F1 per attribute
            try (EmbeddingModel withAttributes = model.withAttributes(probes.fit(embeddings, labels))) {
                withAttributes.save(Path.of("face-attribute-model"));          // adds attributes.json
            }
        }
        try (EmbeddingModel model = EmbeddingModel.load(Path.of("face-attribute-model"))) {
            Map<String, Map<String, Float>> p = model.attributes(image); // {Eyeglasses={0=0.97, 1=0.03}, ...}
        }
    }

    /** Identity and attributes trained together, the attribute layer exported with the network. */
    void multitask(EmbeddingNet net, IdentityImages faces, AttributeLabels labels, int[] trainIdentities,
                   int[] trainImages) throws Exception {
        IdentityImages train = faces.selectIdentities(trainIdentities);
        AttributeLabels trainLabels = labels.select(trainImages);     // the training images' attributes only
        MetricHead head = MetricHead.builder()
                .setEmbeddingNet(net)
                .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                .optAttributeHead(AttributeHead.builder()
                        .setAttributes(trainLabels.attributes())
                        .optClassWeights(trainLabels)                  // balanced, as the probes
                        .optTaskWeights(1.0).optTaskWeight("smiling", 2.0)
                        .build())
                .build();
        BatchSource batches = AttributeBatches.builder()              // adds the (B, A) labels, -1 = missing
                .setBatches(ClassBatches.builder().setImages(train.images())
                        .setNormalization(net.getPixelNormalization()).optM(4).optBatchSize(64).build())
                .setAttributes(trainLabels)
                .build();
        MetricTrainer.builder().setHead(head).optEpochs(20).build().fit(batches);
        try (EmbeddingModel model = EmbeddingModel.of(net).withAttributes(head.getAttributeHead().toClassifier())) {
            model.save(Path.of("face-multitask-model"));  // the network + attributes.json; the card lists them
        }
    }

    /** DJL's Criteria and Predictor. */
    void criteria(Image image) throws Exception {
        Criteria<Image, float[]> criteria = EmbeddingModel.criteria(Path.of("my-model"));
        try (ZooModel<Image, float[]> model = criteria.loadModel();
             Predictor<Image, float[]> predictor = model.newPredictor()) {
            float[] embedding = predictor.predict(image);
        }
    }

    /** Verification and open-set identification. */
    void verifyAndIdentify(Path a, Path b, ImageSource enrolled, List<String> names, Path probe, ImageSource probes)
            throws IOException {
        try (EmbeddingModel model = EmbeddingModel.load(Path.of("face-model"))) {
            Verifier verifier = Verifier.of(model);                                // the card's threshold
            Verification v = verifier.verify(ImageFiles.read(a), ImageFiles.read(b)); // JPEG, PNG, PGM, PPM
            System.out.println(v.score() + " " + (v.same() ? "same" : "different"));

            try (Gallery gallery = Gallery.builder().setModel(model).setImages(enrolled, names).build()) {
                Identification who = gallery.identify(ImageFiles.read(probe), 5);  // top 5 identities
                System.out.println(who.unknown() ? "unknown" : who.identity());      // below threshold: unknown
                IdentificationReport r = gallery.evaluate(probes, 5); // rank-1, rank-5, DIR, open-set FAR
            }
        }
    }

    void longRuns(EmbeddingNet net, MetricHead head, ImageSource validationPhotos) throws IOException {
        // a photo collection read from disk as it trains, decoded once into a cache at the training size
        try (StreamingImages photos = StreamingImages.builder().setFolder(Path.of("photos"))
                .setPreprocessing(ImagePreprocessing.builder().setSize(112, 112).optColor(ColorMode.RGB).build())
                .optCache(Path.of("photos-112.cache")).build()) {
            ClassBatches batches = ClassBatches.builder().setImages(photos)
                    .setNormalization(net.getPixelNormalization()).optM(4).optBatchSize(128).build();

            // AdamW, warm-up then cosine, gradients clipped to norm 5, validated every epoch: the best
            // MAP@R is kept, and training stops after 5 evaluations without improvement
            int steps = batches.batchesPerEpoch() * 30;
            MetricTrainer trainer = MetricTrainer.builder().setHead(head)
                    .optOptimizer(OptimizerType.ADAMW).optWeightDecay(5e-4f)
                    .optLearningRate(LearningRateSchedules.warmUpCosine(1e-3f, steps / 20, steps, 1e-5f))
                    .optGradientClipping(5f)
                    .optValidation(Validation.builder().setImages(validationPhotos).optPatience(5).build())
                    .optCheckpointDirectory(Path.of("runs/photos")).optCheckpointEvery(500)
                    .optResume(true)   // after a crash, the same program continues where the run stopped
                    .optEpochs(30).build();
            TrainingHistory history = trainer.fit(batches);
            System.out.println(history.selection());   // the epoch kept, by which metric, and its value
        }
    }

    void retrievalMetrics(NDArray queries, int[] queryLabels, NDArray gallery, int[] galleryLabels,
            int[] galleryRowOfQuery) {
        RetrievalMetrics metrics = RetrievalMetrics.builder()
                .optRecallAtK(1, 2, 4, 8)               // the metric-learning papers' R@K
                .optRankingDepth(Integer.MAX_VALUE)     // rank the whole gallery: exact full-ranking mAP
                .build();
        RetrievalReport r = metrics.compute(queries, queryLabels, gallery, galleryLabels);
        System.out.println(r.recallAt(1) + " " + r.meanAveragePrecisionFullRanking() + " " + r.cmc()[4]);
        // queries that are also gallery rows: each is left out of its own ranking (row -1: not in the gallery)
        RetrievalReport within = metrics.compute(queries, queryLabels, gallery, galleryLabels, galleryRowOfQuery);
    }
}
